# Reference values for the weighted tables, tests and indices of a report (samanalyse.analysis.weighted,
# design_tests, design_indices), computed ONCE with R survey. Run from the repository root:
#   .venv/bin/python tests/reference/make_design_tables_data.py   # the 2010 inputs (reconstructed data)
#   Rscript tests/reference/make_design_tables_reference.R
# Writes tests/reference/design_tables.json.
# Design: each form of the 2010 round raked from N/n to the frame's margins (kommuner: RHF and size
# class; helseforetak: RHF), fpc = N, as samanalyse report --weights raking does.
# The 2010 respondent data is a reconstruction: these numbers test arithmetic, not findings.
suppressMessages({library(survey); library(jsonlite)})
options(survey.lonely.psu = "fail")
here <- "tests/reference"
tight <- list(maxit = 1000, epsilon = 1e-13)

d <- read.csv(file.path(here, "design_tables_2010.csv"), colClasses = c(respondent = "character"),
              na.strings = "", encoding = "UTF-8")
kframe <- read.csv(file.path(here, "weighting_2010_frame.csv"), colClasses = "character", encoding = "UTF-8")
hframe <- read.csv(file.path(here, "design_tables_2010_hf_frame.csv"), encoding = "UTF-8")

popdf <- function(v, counts) { df <- data.frame(names(counts), as.numeric(counts)); names(df) <- c(v, "Freq"); df }
k <- d[d$form == "kommune", ]; k$N <- nrow(kframe); k$w0 <- k$N / nrow(k)
h <- d[d$form == "helseforetak", ]; h$N <- sum(hframe$frame_size); h$w0 <- h$N / nrow(h)
kd <- rake(svydesign(ids = ~1, weights = ~w0, fpc = ~N, data = k), list(~rhf, ~size_class),
           list(popdf("rhf", table(kframe$rhf)), popdf("size_class", table(kframe$size_class))), control = tight)
hd <- rake(svydesign(ids = ~1, weights = ~w0, fpc = ~N, data = h), list(~rhf),
           list(popdf("rhf", setNames(hframe$frame_size, hframe$rhf))), control = tight)

share <- function(des, formula) {      # svymean with deff and the logit interval of svyciprop
  m <- svymean(formula, des, deff = TRUE)
  ci <- svyciprop(formula, des, method = "logit")
  list(estimate = unname(coef(m)), se = unname(SE(m)), deff = unname(deff(m)),
       ci = unname(as.numeric(attr(ci, "ci"))), df = degf(des))
}
by_domain <- function(des, formula, var) {
  out <- list(Samlet = share(des, formula))
  for (lv in sort(unique(des$variables[[var]]))) {
    sd <- eval(bquote(subset(des, .(as.name(var)) == .(lv))))
    out[[lv]] <- share(sd, formula)
  }
  out
}
out <- list(meta = list(R = R.version.string, survey = as.character(packageVersion("survey")),
                        note = "2010 data is reconstructed; raking weights as samanalyse report --weights raking"))
# Tabell 1 (q20 by RHF, base every respondent) for both forms, and Tabell 2 (by size class)
out$T01 <- list(kommune = list(darlig = by_domain(kd, ~q20_darlig, "rhf"), godt = by_domain(kd, ~q20_godt, "rhf"),
                               mangler = share(kd, ~q20_mangler)),
                helseforetak = list(darlig = by_domain(hd, ~q20_darlig, "rhf"), godt = by_domain(hd, ~q20_godt, "rhf")))
out$T02 <- list(darlig = by_domain(kd, ~q20_darlig, "size_class"))
# Tabell 56: kvalitet Dårlig within each class of avtaler_og_ledelse
kd <- update(kd, kval_darlig = as.numeric(!is.na(kvalitet_pasientforlop_class) &
                                            kvalitet_pasientforlop_class == "Dårlig"))
t56 <- list()
for (cl in c("Dårlig", "Godt")) {
  sd <- eval(bquote(subset(kd, !is.na(avtaler_og_ledelse_class) & avtaler_og_ledelse_class == .(cl))))
  t56[[cl]] <- share(sd, ~kval_darlig)
}
out$T56 <- t56
# Vedlegg 3, pooled priority items prio_a, base: answered items (svyratio)
ratio <- function(des) { r <- svyratio(~prio_a_y, ~prio_a_x, des)
  list(estimate = unname(coef(r)), se = unname(SE(r)), df = degf(des)) }
out$V3 <- list(kommune = ratio(kd), helseforetak = ratio(hd))
# Rao-Scott: the plan's q14 (Godt/Dårlig, "Vet ikke" left out) by size class; kvalitet by avtaler_og_ledelse
rs <- function(formula, des) { r <- svychisq(formula, des, statistic = "F", na.rm = TRUE)
  list(statistic = unname(r$statistic), ndf = unname(r$parameter[1]), ddf = unname(r$parameter[2]),
       p_value = unname(r$p.value)) }
out$rao_scott <- list(q14_size_class = rs(~q14c + size_class, kd),
                      kvalitet_avtaler = rs(~kvalitet_pasientforlop_class + avtaler_og_ledelse_class, kd),
                      kvalitet_kompetanse = rs(~kvalitet_pasientforlop_class + kompetanse_class, kd))
# Index means (svymean) and the Dårlig class share, overall and by RHF, among respondents with a score
idx <- list()
for (ix in c("avtaler_og_ledelse", "kompetanse", "kvalitet_pasientforlop")) {
  sc <- paste0(ix, "_score"); cl <- paste0(ix, "_class")
  kd2 <- eval(bquote(update(kd, .s = .(as.name(sc)), .d = as.numeric(.(as.name(cl)) == "Dårlig"))))
  kd2 <- subset(kd2, !is.na(.s))
  mean_of <- function(des) { m <- svymean(~.s, des, deff = TRUE)
    list(estimate = unname(coef(m)), se = unname(SE(m)), deff = unname(deff(m)), df = degf(des)) }
  res <- list(Samlet = list(mean = mean_of(kd2), darlig = share(kd2, ~.d)))
  for (lv in sort(unique(kd2$variables$rhf))) {
    sd <- eval(bquote(subset(kd2, rhf == .(lv))))
    res[[lv]] <- list(mean = mean_of(sd), darlig = share(sd, ~.d))
  }
  idx[[ix]] <- res
}
out$indices <- idx
write_json(out, file.path(here, "design_tables.json"), digits = NA, auto_unbox = TRUE, pretty = TRUE)
