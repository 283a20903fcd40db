# Reference values for samanalyse.stats.weighting and samanalyse.stats.design, computed ONCE
# with R survey. Run from the repository root:
#   .venv/bin/python tests/reference/make_weighting_data.py   # the 2010 inputs (reconstructed data)
#   Rscript tests/reference/make_weighting_reference.R
# Writes tests/reference/weighting_staff.csv (synthetic staff-level round, set.seed(20261201))
# and tests/reference/weighting.json.
# The 2010 respondent data is a reconstruction: these numbers test arithmetic, not findings.
suppressMessages({library(survey); library(jsonlite)})
options(survey.lonely.psu = "fail")
here <- "tests/reference"
RNGkind("Mersenne-Twister", "Inversion", "Rejection")
set.seed(20261201)

## --- synthetic staff-level round: persons (PSU = kommune) in strata = RHF --------------
nk <- c(30, 25, 40, 25)             # kommuner in the frame per RHF
nks <- c(8, 7, 10, 6)               # kommuner that answered
rows <- list()
for (h in 1:4) {
  ks <- sample(1:nk[h], nks[h])
  for (k in ks) {
    m <- sample(5:40, 1)
    size <- c("small", "medium", "large")[1 + (k %% 3)]
    sex <- sample(c("f", "m"), m, replace = TRUE, prob = c(0.7, 0.3))
    x <- round(rgamma(m, 4, 0.1) + 5 * h, 1)
    y <- rbinom(m, 1, plogis(-0.3 + 0.4 * (sex == "f") + 0.2 * h - 0.3 * (size == "large")))
    rows[[length(rows) + 1]] <- data.frame(person = sprintf("p%d_%02d_%02d", h, k, seq_len(m)),
      kommune = sprintf("k%d_%02d", h, k), rhf = paste0("R", h), size_class = size, sex = sex,
      x = x, y = y, N_psu = nk[h], w0 = nk[h] / nks[h] * 3)
  }
}
staff <- do.call(rbind, rows)
write.csv(staff, file.path(here, "weighting_staff.csv"), row.names = FALSE)
staff_pop <- list(rhf = c(R1 = 1800, R2 = 1500, R3 = 2500, R4 = 1600),
                  size_class = c(large = 2900, medium = 2000, small = 2500),
                  sex = c(f = 5000, m = 2400))

## --- 2010 kommuner (reconstructed), a census with nonresponse -----------------------
frame <- read.csv(file.path(here, "weighting_2010_frame.csv"), colClasses = "character")
k10 <- read.csv(file.path(here, "weighting_2010_sample.csv"), colClasses = c(kommune = "character"))
k10$w0 <- nrow(frame) / nrow(k10); k10$N <- nrow(frame)
k10_pop <- list(rhf = table(frame$rhf), size_class = table(frame$size_class))

vec <- function(x) as.list(setNames(as.numeric(x), names(x)))
est <- function(d, formula, fun) {
  r <- fun(formula, d, deff = TRUE)
  list(estimate = unname(coef(r)), se = unname(SE(r)), deff = unname(deff(r)))
}
ciprop <- function(d, formula) {
  out <- list()
  for (m in c("logit", "beta", "mean", "asin", "xlogit")) {
    ci <- svyciprop(formula, d, method = m)
    out[[m]] <- unname(as.numeric(attr(ci, "ci")))
  }
  # Wilson-type interval with Kish's effective n = p(1-p)/SE^2 and t(df) (hand formula;
  # survey 4.1.1 has no "wilson" method).
  m <- svymean(formula, d); p <- unname(coef(m)); v <- unname(vcov(m)[1, 1])
  ne <- p * (1 - p) / v; tq <- qt(0.975, degf(d))
  centre <- (p + tq^2 / (2 * ne)) / (1 + tq^2 / ne)
  half <- tq / (1 + tq^2 / ne) * sqrt(p * (1 - p) / ne + tq^2 / (4 * ne^2))
  out$wilson <- c(centre - half, centre + half)
  out$df <- degf(d)
  out
}
summarise <- function(d, domain_var, table_var) {
  dom <- list()
  for (lv in sort(unique(d$variables[[domain_var]]))) {
    sd <- eval(bquote(subset(d, .(as.name(domain_var)) == .(lv))))
    dom[[lv]] <- list(mean_y = est(sd, ~y, svymean), mean_x = est(sd, ~x, svymean),
                      total_x = est(sd, ~x, svytotal), ciprop_y = ciprop(sd, ~y), df = degf(sd))
  }
  chi <- function(st) {
    r <- eval(bquote(svychisq(~ y + .(as.name(table_var)), d, statistic = .(st))))
    list(statistic = unname(r$statistic), parameter = vec(r$parameter), p_value = unname(r$p.value))
  }
  list(weights = unname(weights(d)), df = degf(d),
       mean_y = est(d, ~y, svymean), mean_x = est(d, ~x, svymean),
       total_y = est(d, ~y, svytotal), total_x = est(d, ~x, svytotal),
       ciprop_y = ciprop(d, ~y), domains = dom,
       svychisq_F = chi("F"), svychisq_Chisq = chi("Chisq"))
}
tight <- list(maxit = 1000, epsilon = 1e-13)

designs <- function(d0, pop, margins, lin_bounds, logit_bounds) {
  mf <- lapply(margins, function(v) as.formula(paste0("~", v)))
  popdf <- lapply(margins, function(v) {
    p <- pop[[v]]; df <- data.frame(names(p), as.numeric(p)); names(df) <- c(v, "Freq"); df })
  totals <- c(sum(pop[[margins[1]]]), unlist(lapply(margins, function(v) pop[[v]][-1])))
  names(totals) <- c("(Intercept)", unlist(lapply(margins, function(v) paste0(v, names(pop[[v]])[-1]))))
  f <- as.formula(paste("~", paste(margins, collapse = "+")))
  list(
    none = d0,
    poststratify = postStratify(d0, mf[[1]], popdf[[1]]),
    rake = rake(d0, mf, popdf, control = tight),
    linear = calibrate(d0, f, totals),
    linear_bounded = calibrate(d0, f, totals, bounds = lin_bounds, maxit = 200, epsilon = 1e-13),
    logit = calibrate(d0, f, totals, calfun = "logit", bounds = logit_bounds, maxit = 200, epsilon = 1e-13))
}

g_range <- function(d0, d) range(weights(d) / weights(d0))
d10 <- svydesign(ids = ~1, weights = ~w0, fpc = ~N, data = k10)
des10 <- designs(d10, k10_pop, c("rhf", "size_class"), c(0.7, 1.75), c(0.6, 2))
print(g_range(d10, des10$linear)); print(g_range(d10, des10$linear_bounded)); print(g_range(d10, des10$logit))
dstaff <- svydesign(ids = ~kommune, strata = ~rhf, fpc = ~N_psu, weights = ~w0, data = staff)
desst <- designs(dstaff, staff_pop, c("size_class", "sex"), c(0.93, 1.1), c(0.9, 1.12))
print(g_range(dstaff, desst$linear)); print(g_range(dstaff, desst$linear_bounded)); print(g_range(dstaff, desst$logit))

out <- list(meta = list(R = R.version.string, survey = as.character(packageVersion("survey")),
                        jsonlite = as.character(packageVersion("jsonlite")),
                        note = "2010 data is reconstructed; staff data is synthetic (set.seed(20261201))"),
            k2010 = list(margins = c("rhf", "size_class"),
                         population = lapply(k10_pop, vec), bounds = list(linear = c(0.7, 1.75), logit = c(0.6, 2)),
                         designs = lapply(des10, summarise, domain_var = "size_class", table_var = "size_class")),
            staff = list(margins = c("size_class", "sex"), population = lapply(staff_pop, vec),
                         bounds = list(linear = c(0.93, 1.1), logit = c(0.9, 1.12)),
                         designs = lapply(desst, summarise, domain_var = "size_class", table_var = "size_class")))
# trimWeights: the raked 2010 weights trimmed to [1.8, 3]
tr <- trimWeights(des10$rake, upper = 3, lower = 1.8)
out$k2010$trim <- list(lower = 1.8, upper = 3, weights = unname(weights(tr)),
                       mean_y = est(tr, ~y, svymean))
# nonresponse against the 2010 frame (430 kommuner of the register; reconstructed respondents)
nr <- list()
for (b in c("rhf", "size_class", "sentralitet", "fylke")) {
  ct <- suppressWarnings(chisq.test(table(frame[[b]], frame$responded), correct = FALSE))
  nr[[b]] <- list(statistic = unname(ct$statistic), df = unname(ct$parameter), p_value = ct$p.value,
                  responded = vec(tapply(as.integer(frame$responded), frame[[b]], sum)), frame_size = vec(table(frame[[b]])))
}
fit <- glm(as.integer(responded) ~ rhf + size_class + sentralitet, family = binomial, data = frame)
sm <- summary(fit)$coefficients
nr$glm <- list(terms = rownames(sm), coef = unname(sm[, 1]), se = unname(sm[, 2]), p_value = unname(sm[, 4]),
               deviance = fit$deviance, null_deviance = fit$null.deviance)
out$k2010$nonresponse <- nr
write_json(out, file.path(here, "weighting.json"), digits = NA, auto_unbox = TRUE, pretty = TRUE)
