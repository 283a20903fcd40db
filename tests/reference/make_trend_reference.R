# Reference values for the trend between two rounds (samanalyse.stats.change, samanalyse.analysis.trends).
#
# Run from the repository root:  Rscript tests/reference/make_trend_reference.R
# Needs: r-cran-survey, r-cran-coin, r-cran-jsonlite (Debian packages). Reads the two made-up rounds
# written by tests/data/make_trend_rounds.py and the registers in data/registers/, and computes
# everything on its own (joins, size classes, collapses, the crosswalk and the merge rule):
#   - per item, category and group (total, RHF, size class; each round's own register): the share in
#     each round with svymean under svydesign(ids = ~1, fpc = ~N) of that round (N = the round's
#     frame in the group), svyciprop(method = "logit"), the difference, its SE sqrt(se1^2 + se2^2),
#     a normal interval and the two-sided Wald p; p.adjust Holm and BH over all rows;
#   - paired: kommuner of both rounds on the 2024 map (2010 parts of a merged kommune: the category
#     with the largest summed folkemengde_2009, ties to the most populous part; split kommuner left
#     out); coin::mh_test (3 categories) and mcnemar.test (2 categories, "Godt" / "Ikke godt");
#   - fixed tables for mcnemar.test and coin::mh_test.
suppressPackageStartupMessages({library(survey); library(coin); library(jsonlite)})

reg10 <- read.csv("data/registers/kommuner_2010.csv", colClasses = "character")
reg10 <- reg10[reg10$kommunenummer != "2111", ]
reg24 <- read.csv("data/registers/kommuner_2024.csv", colClasses = "character")
size <- function(pop) as.character(cut(as.numeric(pop), c(-Inf, 3000, 10000, Inf),
                                        labels = c("Små kommuner", "Mellomstore kommuner", "Store kommuner")))
# RHF labels as data/registers/registers.yaml declares them for reports ("Helse Midt-Norge" -> "Helse Midt")
reg10$rhf[reg10$rhf == "Helse Midt-Norge"] <- "Helse Midt"
reg24$rhf[reg24$rhf == "Helse Midt-Norge"] <- "Helse Midt"
reg10$size_class <- size(reg10$folkemengde_2009)
reg24$size_class <- size(reg24$folkemengde_2026)

read_round <- function(name, reg) {
  d <- read.csv(file.path("tests/data/rounds", name, "responses_kommuner.csv"), colClasses = "character",
                na.strings = "")
  merge(d, reg[, c("kommunenummer", "rhf", "size_class", names(reg)[grepl("^folkemengde_2009$", names(reg))])],
        by.x = "respondent", by.y = "kommunenummer", sort = TRUE)
}
old <- read_round("trend_gammel", reg10)
new <- read_round("trend_ny", reg24)
collapse3 <- function(x) ifelse(is.na(x), NA, ifelse(x %in% c("Svært godt", "Nokså godt"), "Godt",
                         ifelse(x %in% c("Nokså dårlig", "Svært dårlig"), "Dårlig", "Vet ikke/ikke aktuelt")))
collapse2 <- function(x) ifelse(is.na(x), NA, ifelse(x %in% c("Svært godt", "Nokså godt"), "Godt", "Ikke godt"))
pairs <- list(c("q14", "q14"), c("q16", "q16"), c("q18", "q18"), c("q22", "q20"))
cats <- c("Dårlig", "Godt", "Vet ikke/ikke aktuelt")

one <- function(d, reg, var, cat, by, group) {
  if (by != "total") { d <- d[d[[by]] == group, ]; N <- sum(reg[[by]] == group) } else N <- nrow(reg)
  d$y <- as.numeric(!is.na(d[[var]]) & collapse3(d[[var]]) == cat)   # blank answers count in n
  d$N <- N
  des <- svydesign(ids = ~1, fpc = ~N, data = d)
  m <- svymean(~y, des)
  ci <- if (mean(d$y) %in% c(0, 1)) c(NA, NA) else as.numeric(attr(svyciprop(~y, des, method = "logit"), "ci"))
  list(n = nrow(d), frame = N, share = unname(coef(m)), se = unname(SE(m)[1]), ci_low = ci[1], ci_high = ci[2])
}
rows <- list()
for (pr in pairs) for (by in c("total", "rhf", "size_class")) {
  groups <- if (by == "total") "total" else sort(unique(new[[by]]))
  for (g in groups) for (cat in cats) {
    a <- one(old, reg10, pr[2], cat, by, g); b <- one(new, reg24, pr[1], cat, by, g)
    diff <- b$share - a$share; se <- sqrt(a$se^2 + b$se^2)
    rows[[length(rows) + 1]] <- list(item = pr[1], item_old = pr[2], category = cat, by = by, group = g,
      n_old = a$n, frame_old = a$frame, share_old = a$share, se_old = a$se, ci_low_old = a$ci_low,
      ci_high_old = a$ci_high, n_new = b$n, frame_new = b$frame, share_new = b$share, se_new = b$se,
      ci_low_new = b$ci_low, ci_high_new = b$ci_high, difference = diff, se = se,
      ci_low = diff - qnorm(0.975) * se, ci_high = diff + qnorm(0.975) * se, p = 2 * pnorm(-abs(diff / se)))
  }
}
p <- sapply(rows, function(r) r$p)
holm <- p.adjust(p, "holm"); bh <- p.adjust(p, "BH")
for (i in seq_along(rows)) { rows[[i]]$p_adjusted <- holm[i]; rows[[i]]$p_bh <- bh[i] }

# paired, on the 2024 map
cw <- read.csv("data/registers/kommuneendringer_2010_2024.csv", colClasses = "character")
split <- unique(cw$kommunenummer_2010[cw$endring == "delt"])
cw <- cw[!(cw$kommunenummer_2010 %in% split), ]
succ <- setNames(cw$kommunenummer_2024, cw$kommunenummer_2010)
old$unit <- ifelse(old$respondent %in% split, NA, ifelse(old$respondent %in% names(succ), succ[old$respondent],
                                                         old$respondent))
paired <- list()
for (collapse in c("three", "two")) for (pr in pairs) {
  f <- if (collapse == "three") collapse3 else collapse2
  levs <- if (collapse == "three") cats else c("Godt", "Ikke godt")
  o <- data.frame(unit = old$unit, cat = f(old[[pr[2]]]), pop = as.numeric(old$folkemengde_2009))
  o <- o[!is.na(o$unit) & !is.na(o$cat), ]
  w <- aggregate(pop ~ unit + cat, o, function(v) c(sum = sum(v), max = max(v)))
  w <- data.frame(unit = w$unit, cat = w$cat, s = w$pop[, "sum"], m = w$pop[, "max"])
  w <- w[order(w$unit, -w$s, -w$m), ]
  before <- w[!duplicated(w$unit), c("unit", "cat")]
  after <- data.frame(unit = new$respondent, after = f(new[[pr[1]]]))
  both <- merge(before, after, by = "unit")
  both <- both[!is.na(both$after), ]
  tab <- table(factor(both$cat, levs), factor(both$after, levs))
  res <- if (collapse == "three") {
    t <- mh_test(as.table(tab)); list(test = "stuart_maxwell", statistic = unname(statistic(t)),
                                      df = 2L, p = unname(pvalue(t)))
  } else {
    t <- mcnemar.test(tab); list(test = "mcnemar", statistic = unname(t$statistic), df = 1L, p = unname(t$p.value))
  }
  paired[[length(paired) + 1]] <- c(list(item = pr[1], collapse = collapse, n_pairs = sum(tab),
                                         table = unclass(matrix(tab, nrow = length(levs)))), res)
}

# fixed tables for the statistics alone
t2 <- matrix(c(30, 12, 25, 40), 2, byrow = TRUE)
t3 <- matrix(c(20, 10, 5, 3, 30, 7, 9, 4, 25), 3, byrow = TRUE)
t4 <- matrix(c(10, 2, 3, 1, 4, 12, 2, 2, 1, 5, 15, 3, 2, 1, 6, 20), 4, byrow = TRUE)
mn <- mcnemar.test(t2)
fixed <- list(
  mcnemar = list(table = t2, statistic = unname(mn$statistic), p = unname(mn$p.value)),
  stuart_maxwell_3 = list(table = t3, statistic = unname(statistic(mh_test(as.table(t3)))),
                          p = unname(pvalue(mh_test(as.table(t3))))),
  stuart_maxwell_4 = list(table = t4, statistic = unname(statistic(mh_test(as.table(t4)))),
                          p = unname(pvalue(mh_test(as.table(t4)))))
)
meta <- list(R = R.version.string, survey = as.character(packageVersion("survey")),
             coin = as.character(packageVersion("coin")), jsonlite = as.character(packageVersion("jsonlite")))
writeLines(toJSON(list(meta = meta, independent = rows, paired = paired, fixed = fixed), auto_unbox = TRUE,
                  digits = NA, pretty = TRUE, na = "null"), "tests/reference/trend.json")
