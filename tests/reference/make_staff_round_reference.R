# Reference values for the made-up staff-level round tests/data/rounds/ansatte (issue 15, item 6),
# computed ONCE with R survey from the round's own files. Run from the repository root:
#   Rscript tests/reference/make_staff_round_reference.R
# Writes tests/reference/staff_round.json. Independent of samanalyse: the kommunenummer of the
# export are normalised here by hand (301 and '0301 Oslo' -> 0301; the two numbers of an earlier
# vintage the generator writes, 1601 Trondheim -> 5001 and 3005 Drammen -> 3301, placed as the
# 2018 and 2024 mergers did), RHF labels and size classes (folkemengde_2026, <= 3000, <= 10000)
# from the 2024 register file.
suppressMessages({library(survey); library(jsonlite)})
options(survey.lonely.psu = "fail")
round_dir <- "tests/data/rounds/ansatte"
reg <- read.csv("data/registers/kommuner_2024.csv", colClasses = "character")
labels <- c("Helse Midt-Norge" = "Helse Midt", "Helse Nord" = "Helse Nord",
            "Helse Sør-Øst" = "Helse Sør-Øst", "Helse Vest" = "Helse Vest")
reg$rhf <- unname(labels[reg$rhf])
pop <- as.numeric(reg$folkemengde_2026)
reg$size_class <- ifelse(pop <= 3000, "Små kommuner", ifelse(pop <= 10000, "Mellomstore kommuner", "Store kommuner"))
rownames(reg) <- reg$kommunenummer

frame <- read.csv(file.path(round_dir, "ramme_ansatte.csv"), colClasses = c("character", "numeric"))
frame$rhf <- reg[frame$kommune, "rhf"]
frame$size_class <- reg[frame$kommune, "size_class"]

resp <- read.csv(file.path(round_dir, "responses_ansatte.csv"), colClasses = "character", na.strings = "")
knr <- sprintf("%04d", as.integer(sub("^(\\d+).*$", "\\1", resp$kommune)))
knr[knr == "1601"] <- "5001"
knr[knr == "3005"] <- "3301"
resp$knr <- knr
resp$rhf <- reg[knr, "rhf"]
resp$size_class <- reg[knr, "size_class"]
stopifnot(!anyNA(resp$rhf))

N <- sum(frame$ansatte)
n <- nrow(resp)
resp$w0 <- N / n
pop_rhf <- aggregate(ansatte ~ rhf, frame, sum)
pop_size <- aggregate(ansatte ~ size_class, frame, sum)
names(pop_rhf)[2] <- names(pop_size)[2] <- "Freq"
des0 <- svydesign(ids = ~knr, weights = ~w0, data = resp)
# converged tightly (R's default stops at 10 sweeps or a total within 1; samanalyse iterates to 1e-10)
des <- rake(des0, list(~rhf, ~size_class), list(pop_rhf, pop_size), control = list(maxit = 1000, epsilon = 1e-13))

out <- list(meta = list(R = R.version.string, survey = as.character(packageVersion("survey")),
                        jsonlite = as.character(packageVersion("jsonlite"))),
            frame = list(total = N, rhf = setNames(as.list(pop_rhf$Freq), pop_rhf$rhf),
                         size_class = setNames(as.list(pop_size$Freq), pop_size$size_class)),
            weights = setNames(as.list(unname(weights(des))), resp$respondent))

# nonresponse at person level: respondents per group against the frame's persons
resp_by <- function(by) {
  fr <- tapply(frame$ansatte, frame[[by]], sum)
  got <- table(factor(resp[[by]], levels = names(fr)))
  tab <- cbind(fr - as.numeric(got), as.numeric(got))
  test <- chisq.test(tab, correct = FALSE)
  list(groups = names(fr), frame_size = as.numeric(fr), respondents = as.numeric(got),
       chi2 = unname(test$statistic), df = unname(test$parameter), p_value = test$p.value)
}
out$nonresponse <- list(rhf = resp_by("rhf"), size_class = resp_by("size_class"))
per_k <- as.data.frame(table(factor(resp$knr, levels = frame$kommune)))
frame$respondents <- per_k$Freq
fit <- glm(cbind(respondents, ansatte - respondents) ~ rhf + size_class, family = binomial, data = frame)
null <- glm(cbind(respondents, ansatte - respondents) ~ 1, family = binomial, data = frame)
# McFadden's R2 on the person-level likelihood: the grouped binomial's log-likelihood carries the
# log binomial coefficients, which cancel in neither model, so take them out
lchoose_sum <- sum(lchoose(frame$ansatte, frame$respondents))
out$propensity <- list(terms = names(coef(fit)), coef = unname(coef(fit)),
                       se = unname(sqrt(diag(vcov(fit)))),
                       pseudo_r2 = 1 - (as.numeric(logLik(fit)) - lchoose_sum) / (as.numeric(logLik(null)) - lchoose_sum))

# Table A (by_group): "Ikke fornøyd" (Lite + Ikke fornøyd) and "Fornøyd" (Svært + Ganske) of s_hjem by RHF,
# the base every respondent of the group (blanks included); Table B the same of s_akutt by size class
share <- function(item, labs, by) {
  d <- update(des, y = as.numeric(!is.na(get(item)) & get(item) %in% labs))
  r <- svyby(~y, as.formula(paste0("~", by)), d, svyciprop, method = "logit", vartype = c("se", "ci"))
  m <- svyby(~y, as.formula(paste0("~", by)), d, svymean, deff = TRUE)
  list(groups = as.character(r[[by]]), estimate = unname(r$y), se = unname(SE(r)),
       ci_lower = unname(r$ci_l), ci_upper = unname(r$ci_u), deff = unname(m$DEff.y))
}
out$shares <- list(
  A_ikke = share("s_hjem", c("Lite fornøyd", "Ikke fornøyd"), "rhf"),
  A_fornoyd = share("s_hjem", c("Svært fornøyd", "Ganske fornøyd"), "rhf"),
  B_ikke = share("s_akutt", c("Lite fornøyd", "Ikke fornøyd"), "size_class"),
  B_fornoyd = share("s_akutt", c("Svært fornøyd", "Ganske fornøyd"), "size_class"))
# the bortfall section's comparison: s_hjem "Svært fornøyd" among those who answered s_hjem
sub <- subset(update(des, y = as.numeric(s_hjem %in% "Svært fornøyd")), !is.na(s_hjem))
ci <- svyciprop(~y, sub, method = "logit")
out$answered_share <- list(item = "s_hjem", category = "Svært fornøyd", estimate = as.numeric(coef(ci)),
                           se = as.numeric(SE(ci)), ci = as.numeric(confint(ci)))
# the same round with strata = RHF declared (round.yaml weights: strata: {ansatt: rhf}): kommuner within RHF
des_s <- rake(svydesign(ids = ~knr, strata = ~rhf, weights = ~w0, data = resp), list(~rhf, ~size_class),
              list(pop_rhf, pop_size), control = list(maxit = 1000, epsilon = 1e-13))
des_keep <- des
des <- des_s
out$stratified <- list(A_ikke = share("s_hjem", c("Lite fornøyd", "Ikke fornøyd"), "rhf"),
                       B_ikke = share("s_akutt", c("Lite fornøyd", "Ikke fornøyd"), "size_class"))
des <- des_keep
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "tests/reference/staff_round.json")
