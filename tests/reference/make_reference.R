#!/usr/bin/env Rscript
## Golden reference values for samanalyse's Python statistics.
##
## Run from the repository root:
##     Rscript tests/reference/make_reference.R
##
## It (re)creates the small synthetic data sets (*.csv) with a fixed seed and
## computes reference results with base R / psych / survey / GPArotation / MASS,
## writing one JSON file per area into tests/reference/.
## R is only needed to regenerate these files, never by the package itself.
##
## Debian packages used (bookworm):
##   r-base-core r-cran-psych r-cran-survey r-cran-gparotation r-cran-mass
##   r-cran-jsonlite   (r-cran-mnormt comes in as a dependency of psych)

suppressPackageStartupMessages({
  library(psych)
  library(GPArotation)
  library(survey)
  library(MASS)
  library(jsonlite)
  library(mnormt)
})

options(mc.cores = 1, warn = 1, stringsAsFactors = FALSE)
RNGkind("Mersenne-Twister", "Inversion", "Rejection")   # R >= 3.6 defaults, made explicit

outdir <- file.path("tests", "reference")
if (!dir.exists(outdir)) stop("run from the repository root (tests/reference/ not found)")

SEED <- 20240611L

## ---------------------------------------------------------------- helpers --

meta <- list(
  R = R.version.string,
  psych = as.character(packageVersion("psych")),
  survey = as.character(packageVersion("survey")),
  GPArotation = as.character(packageVersion("GPArotation")),
  MASS = as.character(packageVersion("MASS")),
  mnormt = as.character(packageVersion("mnormt")),
  jsonlite = as.character(packageVersion("jsonlite")),
  generated_by = "Rscript tests/reference/make_reference.R",
  seed = SEED,
  number_format = "jsonlite digits=NA: 15 significant digits (relative rounding error <= 5e-16)",
  matrix_format = "matrices are objects {rownames, colnames, values}; values is row-major (a list of rows)"
)

mat <- function(m) {
  m <- as.matrix(unclass(m))
  list(rownames = if (is.null(rownames(m))) NULL else as.list(rownames(m)),
       colnames = if (is.null(colnames(m))) NULL else as.list(colnames(m)),
       values = unname(m))
}
nv <- function(v) as.list(v)          # named vector -> JSON object
arr <- function(v) I(unname(as.vector(v)))  # always a JSON array (even if length 1)

write_ref <- function(x, file) {
  jsonlite::write_json(c(list(meta = meta), x), file.path(outdir, file),
                       digits = NA, auto_unbox = TRUE, pretty = TRUE,
                       na = "null", null = "null")
  cat("wrote", file.path(outdir, file), "\n")
}
write_data <- function(df, file) {
  write.csv(df, file.path(outdir, file), row.names = FALSE, na = "", quote = FALSE)
  cat("wrote", file.path(outdir, file), "\n")
}
cut_ord <- function(ystar, thr) findInterval(ystar, thr)   # 0..length(thr)

## ======================================================== (a) alpha/omega ==
set.seed(SEED)
n_a <- 150
eta <- rnorm(n_a)
lam_a <- c(0.80, 0.75, 0.70, 0.65, 0.60, 0.70, 0.15)   # q7: weak (but positive) item
thr_a <- list(c(-1.2, -0.2, 0.9), c(-1.0, 0.0, 1.1), c(-1.4, -0.4, 0.6),
              c(-0.9, 0.2, 1.3), c(-1.1, -0.1, 0.8), c(-1.3, -0.3, 1.0),
              c(-1.0, 0.1, 1.0))
ordinal_items <- as.data.frame(sapply(seq_along(lam_a), function(j) {
  ystar <- lam_a[j] * eta + sqrt(1 - lam_a[j]^2) * rnorm(n_a)
  cut_ord(ystar, thr_a[[j]])
}))
names(ordinal_items) <- paste0("q", 1:7)
write_data(ordinal_items, "ordinal_items.csv")

alpha_block <- function(x) {
  a <- psych::alpha(x, check.keys = FALSE, warnings = TRUE)
  tot <- a$total
  list(
    call = sprintf("psych::alpha(x, check.keys = FALSE)   # x = items %s, raw data, use = 'pairwise'",
                   paste(colnames(x), collapse = ",")),
    n_obs = nrow(x), n_items = ncol(x),
    total = nv(unlist(tot[1, ])),
    alpha_drop = list(items = as.list(rownames(a$alpha.drop)),
                      raw_alpha = arr(a$alpha.drop$raw_alpha),
                      std_alpha = arr(a$alpha.drop$std.alpha),
                      G6_smc = arr(a$alpha.drop[["G6(smc)"]]),
                      average_r = arr(a$alpha.drop$average_r),
                      S_N = arr(a$alpha.drop[["S/N"]]),
                      alpha_se = arr(a$alpha.drop[["alpha se"]]),
                      var_r = arr(a$alpha.drop$var.r),
                      med_r = arr(a$alpha.drop$med.r)),
    item_stats = list(items = as.list(rownames(a$item.stats)),
                      n = arr(a$item.stats$n),
                      raw_r = arr(a$item.stats$raw.r),
                      std_r = arr(a$item.stats$std.r),
                      r_cor = arr(a$item.stats$r.cor),
                      r_drop = arr(a$item.stats$r.drop),
                      mean = arr(a$item.stats$mean),
                      sd = arr(a$item.stats$sd)),
    ci_feldt = list(lower = a$feldt$lower.ci[[1]], alpha = a$feldt$alpha[[1]],
                    upper = a$feldt$upper.ci[[1]],
                    formula = "psych::alpha.ci: lower = 1-(1-a)*qf(0.975, n-1, (n-1)*(k-1)); upper = 1-(1-a)*qf(0.025, n-1, (n-1)*(k-1))"),
    ci_duhachek = list(lower = tot$raw_alpha - 1.96 * tot$ase, alpha = tot$raw_alpha,
                       upper = tot$raw_alpha + 1.96 * tot$ase, ase = tot$ase,
                       formula = "raw_alpha -/+ 1.96*ase (print.psych uses the literal 1.96); ase = sqrt(Q/n), Q of Duhachek & Iacobucci (2004) from the covariance matrix"),
    response_freq = mat(a$response.freq)
  )
}

## 1-factor minres solved to high precision (iterated principal axes to a fixed
## point == the minres/ULS stationary point), to judge psych's optimizer tolerance
pa_fixed_point <- function(R, k, h2 = NULL, tol = 1e-15, maxit = 200000) {
  if (is.null(h2)) h2 <- psych::smc(R)
  for (it in seq_len(maxit)) {
    Rr <- R; diag(Rr) <- h2
    e <- eigen(Rr, symmetric = TRUE)
    L <- e$vectors[, 1:k, drop = FALSE] %*% diag(sqrt(pmax(e$values[1:k], 0)), k)
    h2new <- rowSums(L^2)
    if (max(abs(h2new - h2)) < tol) { h2 <- h2new; break }
    h2 <- h2new
  }
  s <- sign(colSums(L)); s[s == 0] <- 1
  L <- L %*% diag(s, k)
  dimnames(L) <- list(colnames(R), paste0("MR", 1:k))
  list(loadings = L, iterations = it, converged = it < maxit)
}

omega1_block <- function(x) {
  om <- psych::omega(x, nfactors = 1, plot = FALSE)
  g <- om$schmid$sl[, 1]
  u2 <- om$schmid$sl[, "u2"]
  R <- cor(x)
  tight <- pa_fixed_point(R, 1)
  lt <- tight$loadings[, 1]
  list(
    call = "psych::omega(x, nfactors = 1, plot = FALSE)   # fm='minres', rotate irrelevant, poly=FALSE (Pearson r), flip=TRUE",
    omega_tot = om$omega.tot, omega_h = om$omega_h, alpha = om$alpha, G6 = om$G6,
    omega_lim = om$omega.lim,
    g_loadings = nv(g), u2 = nv(u2), h2 = nv(om$schmid$sl[, "h2"]),
    formula = "omega_tot = 1 - sum(u2)/sum(R) with u2 = 1 - g^2 from fa(R, 1, fm='minres'); sum(R) = sum of ALL entries of the item correlation matrix. omega_h = (sum g)^2/sum(R).",
    model_based_omega = list(
      value = sum(g)^2 / (sum(g)^2 + sum(u2)),
      note = "alternative textbook formula (sum lambda)^2/((sum lambda)^2 + sum(1-lambda^2)); NOT what psych prints as omega.tot"),
    tight_minres = list(
      g_loadings = nv(lt),
      omega_tot = 1 - sum(1 - lt^2) / sum(R),
      omega_h = sum(lt)^2 / sum(R),
      iterations = tight$iterations,
      max_abs_diff_vs_psych_loadings = max(abs(lt - g)),
      note = "same estimator (1-factor minres on Pearson R) iterated to a fixed point (tol 1e-15); psych's own value comes from optim L-BFGS-B with default tolerance")
  )
}

omega3_block <- function(x) {
  res <- tryCatch({
    om <- suppressWarnings(psych::omega(x, plot = FALSE))
    list(
      call = "psych::omega(x, plot = FALSE)   # defaults: nfactors=3, fm='minres', rotate='oblimin', poly=FALSE, flip=TRUE, option='equal', sl=TRUE",
      omega_h = om$omega_h, omega_tot = om$omega.tot, alpha = om$alpha, G6 = om$G6,
      omega_lim = om$omega.lim, ECV = om$ECV[[1]],
      schmid_leiman = mat(om$schmid$sl),
      omega_group = mat(om$omega.group),
      note = "Schmid-Leiman: fa(R, 3, fm='minres', rotate='varimax') -> GPArotation::oblimin -> 1-factor minres fa on the factor correlations. Sensitive to optimizer/rotation tolerances; use a loose tolerance (~1e-3) when comparing.")
  }, error = function(e) list(error = conditionMessage(e)))
  res
}

alpha_omega <- list(
  data = list(file = "ordinal_items.csv", n = n_a,
              description = "150 respondents, 7 items scored 0-3 generated from one N(0,1) latent variable through an ordinal probit (loadings 0.80,0.75,0.70,0.65,0.60,0.70 for q1-q6; q7 is a weak but POSITIVELY related item, loading 0.15, so no item needs reverse keying and alpha-if-deleted rises when q7 is dropped). No missing values."),
  scale_q1_q7 = list(alpha = alpha_block(ordinal_items),
                     omega_nfactors1 = omega1_block(ordinal_items),
                     omega_default_nfactors3 = omega3_block(ordinal_items)),
  scale_q1_q6 = list(alpha = alpha_block(ordinal_items[, 1:6]),
                     omega_nfactors1 = omega1_block(ordinal_items[, 1:6]))
)
write_ref(alpha_omega, "alpha_omega.json")

## ================================================ (b) priorities / factor ==
set.seed(SEED + 1L)
n_b <- 200
FA_ <- rnorm(n_b)
FB_ <- 0.3 * FA_ + sqrt(1 - 0.3^2) * rnorm(n_b)      # latent correlation 0.3
lamA <- c(0.75, 0.70, 0.65, 0.40, 0.35, 0.00, 0.00, 0.00, 0.30, 0.15)
lamB <- c(0.00, 0.00, 0.00, 0.30, 0.35, 0.75, 0.70, 0.65, 0.00, 0.20)
thr_b <- list(c(-0.6, 0.5), c(-0.5, 0.7), c(-0.8, 0.4), c(-0.4, 0.8), c(-0.7, 0.6),
              c(-0.5, 0.5), c(-0.9, 0.3), c(-0.6, 0.9), c(-0.3, 0.7), c(-0.7, 0.8))
priorities <- as.data.frame(sapply(1:10, function(j) {
  common <- lamA[j] * FA_ + lamB[j] * FB_
  h2 <- lamA[j]^2 + lamB[j]^2 + 2 * 0.3 * lamA[j] * lamB[j]
  cut_ord(common + sqrt(1 - h2) * rnorm(n_b), thr_b[[j]])
}))
names(priorities) <- paste0("p", 1:10)
na_cells <- sample(n_b * 10, round(0.03 * n_b * 10))     # 3% missing, MCAR
pm <- as.matrix(priorities); pm[na_cells] <- NA
priorities <- as.data.frame(pm)
write_data(priorities, "priorities.csv")

cc <- priorities[complete.cases(priorities), ]
n_cc <- nrow(cc)
R_cc <- cor(cc)                                           # listwise Pearson
R_pw <- cor(priorities, use = "pairwise.complete.obs")    # pairwise Pearson
N_pw <- psych::pairwiseCount(priorities)

## --- polychoric (psych) ---
poly_cc <- psych::polychoric(cc)
poly_pw <- psych::polychoric(priorities)
is_pd <- function(m) min(eigen(m, symmetric = TRUE, only.values = TRUE)$values) > 0

## --- polychoric solved to high precision with psych's estimator -----------
## (global thresholds from each item's own marginal distribution, rho = argmax of
##  the bivariate-normal multinomial log-likelihood of the pairwise table, no
##  zero-cell correction -- which is what psych does with global = TRUE)
Phi2 <- function(a, b, r) {
  if (a == -Inf || b == -Inf) return(0)
  if (a == Inf) return(pnorm(b))
  if (b == Inf) return(pnorm(a))
  mnormt::biv.nt.prob(Inf, lower = c(-Inf, -Inf), upper = c(a, b),
                      mean = c(0, 0), S = matrix(c(1, r, r, 1), 2))
}
poly_pair_tight <- function(x, y, tx, ty, ncat) {
  ok <- !is.na(x) & !is.na(y)
  tab <- table(factor(x[ok], levels = 0:(ncat - 1)), factor(y[ok], levels = 0:(ncat - 1)))
  a <- c(-Inf, tx, Inf); b <- c(-Inf, ty, Inf)
  nll <- function(r) {
    Fm <- outer(seq_along(a), seq_along(b), Vectorize(function(i, j) Phi2(a[i], b[j], r)))
    P <- Fm[-1, -1] - Fm[-nrow(Fm), -1] - Fm[-1, -ncol(Fm)] + Fm[-nrow(Fm), -ncol(Fm)]
    -sum(tab[tab > 0] * log(P[tab > 0]))
  }
  optimize(nll, c(-0.999999, 0.999999), tol = 1e-12)$minimum
}
poly_tight <- function(d, ncat = 3) {
  d <- as.matrix(d)
  tau <- apply(d, 2, function(v) {
    v <- v[!is.na(v)]
    qnorm(cumsum(tabulate(v + 1, nbins = ncat))[1:(ncat - 1)] / length(v))
  })
  p <- ncol(d); R <- diag(p); dimnames(R) <- list(colnames(d), colnames(d))
  for (i in 2:p) for (j in 1:(i - 1))
    R[i, j] <- R[j, i] <- poly_pair_tight(d[, i], d[, j], tau[, i], tau[, j], ncat)
  list(rho = R, tau = t(tau))
}
poly_cc_tight <- poly_tight(cc)
poly_pw_tight <- poly_tight(priorities)

## --- factor analyses -------------------------------------------------------
fa_block <- function(R, nf, fm, rotate, n.obs, call) {
  f <- psych::fa(R, nfactors = nf, n.obs = n.obs, fm = fm, rotate = rotate)
  list(
    call = call,
    loadings = mat(f$loadings),
    h2_communality = nv(f$communality),
    communalities_optimizer = nv(f$communalities),
    u2_uniquenesses = nv(f$uniquenesses),
    Phi = if (is.null(f$Phi)) NULL else mat(f$Phi),
    Vaccounted = mat(f$Vaccounted),
    structure = mat(f$Structure),
    rot_mat = if (is.null(f$rot.mat)) NULL else mat(f$rot.mat),
    values_common_factor = arr(f$values),
    e_values_R = arr(f$e.values),
    objective = f$objective, STATISTIC = f$STATISTIC, dof = f$dof, PVAL = f$PVAL,
    RMSEA = if (is.null(f$RMSEA)) NULL else nv(f$RMSEA), TLI = f$TLI, BIC = f$BIC,
    fit = f$fit, fit_off = f$fit.off, rms = f$rms, crms = f$crms
  )
}

## psych post-processing, replicated for the "tight" solutions
psych_order <- function(L, Phi = NULL) {
  s <- sign(colSums(L)); s[s == 0] <- 1
  L <- L %*% diag(s, ncol(L))
  if (!is.null(Phi)) Phi <- diag(s) %*% Phi %*% diag(s)
  ev <- if (is.null(Phi)) diag(t(L) %*% L) else diag(Phi %*% t(L) %*% L)
  o <- order(ev, decreasing = TRUE)
  L <- L[, o, drop = FALSE]
  if (!is.null(Phi)) Phi <- Phi[o, o]
  list(L = L, Phi = Phi)
}
varimax_tight <- function(L) stats::varimax(L, normalize = TRUE, eps = 1e-15)
promax_psych_tight <- function(L, m = 4) {     # psych fa(rotate='promax') = kaiser(L, 'Promax')
  h2 <- rowSums(L^2); x <- L / sqrt(h2)
  xx <- varimax_tight(x); x <- xx$loadings
  Q <- x * abs(x)^(m - 1)
  U <- lm.fit(x, Q)$coefficients
  d <- diag(solve(t(U) %*% U))
  U <- U %*% diag(sqrt(d)); dimnames(U) <- NULL
  z <- x %*% U
  U <- xx$rotmat %*% U
  ui <- solve(U)
  list(loadings = unclass(z) * sqrt(h2), Phi = ui %*% t(ui))
}
tight_ml_unrotated <- function(R, nf, start) {
  ft <- stats:::factanal.fit.mle(R, nf, start = start, lower = 0.005,
                                 control = list(factr = 1, pgtol = 0, maxit = 100000))
  psi <- ft$uniquenesses
  sc <- diag(1 / sqrt(psi))
  e <- eigen(sc %*% R %*% sc, symmetric = TRUE)
  L <- diag(sqrt(psi)) %*% e$vectors[, 1:nf] %*% diag(sqrt(pmax(e$values[1:nf] - 1, 0)), nf)
  L
}
tight_block <- function(R, nf, fm, rotate, ref) {
  L0 <- if (fm == "minres") {
    pa_fixed_point(R, nf, h2 = ref$h2_start)$loadings
  } else {
    tight_ml_unrotated(R, nf, start = 1 - ref$h2_start)
  }
  L0 <- unname(as.matrix(L0))
  s <- sign(colSums(L0)); s[s == 0] <- 1; L0 <- L0 %*% diag(s, nf)   # psych: flip before rotating
  rot <- switch(rotate,
    none = list(loadings = L0, Phi = NULL),
    varimax = list(loadings = unclass(varimax_tight(L0)$loadings), Phi = NULL),
    promax = promax_psych_tight(L0),
    oblimin = {
      o <- GPArotation::oblimin(L0, eps = 1e-9, maxit = 1e5)
      list(loadings = unclass(o$loadings), Phi = o$Phi)
    })
  po <- psych_order(rot$loadings, rot$Phi)
  L <- po$L; Phi <- po$Phi
  rownames(L) <- colnames(R)
  colnames(L) <- paste0(if (fm == "minres") "MR" else "ML", seq_len(nf))
  h2 <- rowSums(L0^2)
  vx <- if (is.null(Phi)) colSums(L^2) else diag(Phi %*% t(L) %*% L)
  out <- list(loadings = mat(L), h2_communality = nv(setNames(h2, colnames(R))),
              u2_uniquenesses = nv(setNames(1 - h2, colnames(R))),
              Phi = if (is.null(Phi)) NULL else mat(Phi),
              SS_loadings = arr(vx), Proportion_Var = arr(vx / ncol(R)))
  out$max_abs_diff_loadings_vs_psych <- max(abs(L - ref$loadings))
  out$max_abs_diff_h2_vs_psych <- max(abs(h2 - ref$h2))
  out
}

fa_results <- list()
fa_tight <- list()
for (fm in c("minres", "ml")) {
  for (rotate in c("none", "oblimin", "promax", "varimax")) {
    key <- paste0(fm, "_", rotate)
    call <- sprintf("psych::fa(R_cc, nfactors = 2, n.obs = %d, fm = '%s', rotate = '%s')", n_cc, fm, rotate)
    fa_results[[key]] <- fa_block(R_cc, 2, fm, rotate, n_cc, call)
    f <- psych::fa(R_cc, nfactors = 2, n.obs = n_cc, fm = fm, rotate = rotate)
    fa_tight[[key]] <- tight_block(R_cc, 2, fm, rotate,
                                   list(loadings = unclass(f$loadings), h2 = f$communality,
                                        h2_start = f$communality))
  }
}
fa_results[["polychoric_complete_minres_oblimin"]] <- fa_block(
  poly_cc$rho, 2, "minres", "oblimin", n_cc,
  sprintf("psych::fa(psych::polychoric(cc)$rho, nfactors = 2, n.obs = %d, fm = 'minres', rotate = 'oblimin')", n_cc))
f <- psych::fa(poly_cc$rho, nfactors = 2, n.obs = n_cc, fm = "minres", rotate = "oblimin")
fa_tight[["polychoric_complete_minres_oblimin"]] <- tight_block(
  poly_cc$rho, 2, "minres", "oblimin",
  list(loadings = unclass(f$loadings), h2 = f$communality, h2_start = f$communality))
fa_tight[["polychoric_complete_minres_oblimin"]]$note <-
  "tight solution on psych's polychoric rho (the same input matrix as the psych result)"

factanal_ml <- factanal(covmat = R_cc, factors = 2, n.obs = n_cc, rotation = "none")

kmo <- psych::KMO(R_cc)
bart <- psych::cortest.bartlett(R_cc, n = n_cc)

poly_out <- function(p, tight, which) list(
  call = sprintf("psych::polychoric(%s)   # defaults: global=TRUE, correct=0.5 (has NO effect when global=TRUE), smooth=TRUE, na.rm=TRUE", which),
  rho = mat(p$rho), tau = mat(p$tau),
  n_obs = p$n.obs,
  input_positive_definite = is_pd(p$rho),
  tight = list(rho = mat(tight$rho), tau = mat(tight$tau),
               max_abs_diff_rho_vs_psych = max(abs(tight$rho - p$rho)),
               note = "same estimator solved to ~1e-10: rho maximises the pairwise bivariate-normal likelihood with thresholds FIXED at the item's own marginal (global) thresholds; bivariate normal CDF from mnormt::biv.nt.prob (Genz), optimize(tol=1e-12). psych uses optimize() with default tol (~1.2e-4) and mnormt::sadmvn (abseps=1e-6), so psych's rho is only good to ~1e-4."))

factor_json <- list(
  data = list(
    file = "priorities.csv", n = n_b, n_complete_cases = n_cc,
    n_missing_cells = sum(is.na(priorities)),
    description = "200 respondents, 10 items scored 0/1/2 (0 = ikke, 1 = middels, 2 = hoy prioritet) from two correlated (r=0.3) normal latent factors via an ordinal probit: p1-p3 load on A (0.75,0.70,0.65), p6-p8 on B (0.75,0.70,0.65), p4,p5 mixed, p9 weak on A, p10 weak on both. 3% of cells set to NA completely at random (empty field in CSV).",
    complete_cases_rows_1based = arr(which(complete.cases(priorities)))),
  pearson = list(
    listwise = list(call = "cor(cc)   # cc = priorities[complete.cases(priorities), ]", R = mat(R_cc), n = n_cc),
    pairwise = list(call = "cor(priorities, use = 'pairwise.complete.obs')", R = mat(R_pw),
                    n_pairwise = mat(N_pw))),
  polychoric = list(
    complete_cases = poly_out(poly_cc, poly_cc_tight, "cc"),
    pairwise = c(poly_out(poly_pw, poly_pw_tight, "priorities"),
                 list(note = "pairwise: each pair's table uses rows where both items are observed, but the thresholds (tau) come from ALL non-missing values of each item (global=TRUE)"))),
  eigenvalues = list(
    pearson_listwise = arr(eigen(R_cc, symmetric = TRUE)$values),
    pearson_pairwise = arr(eigen(R_pw, symmetric = TRUE)$values),
    polychoric_complete_cases = arr(eigen(poly_cc$rho, symmetric = TRUE)$values)),
  kmo = list(call = "psych::KMO(R_cc)   # R_cc = listwise Pearson correlation",
             MSA = kmo$MSA, MSAi = nv(kmo$MSAi)),
  bartlett = list(call = sprintf("psych::cortest.bartlett(R_cc, n = %d)", n_cc),
                  chisq = bart$chisq, df = bart$df, p_value = bart$p.value,
                  formula = "chisq = -log(det(R)) * (n - 1 - (2p + 5)/6), df = p(p-1)/2"),
  fa = fa_results,
  fa_tight = c(list(note = "Same solutions re-solved to near machine precision to show how far psych's optimizer/rotation tolerances are from the exact optimum. minres: iterated principal axes to a fixed point (tol 1e-15), which is the minres/ULS stationary point; ml: stats:::factanal.fit.mle with factr=1, pgtol=0; rotations: stats::varimax(eps=1e-15), psych-style Kaiser-normalised promax (m=4) on that varimax, GPArotation::oblimin(eps=1e-9, the smallest gradient norm its line search reaches here). psych's sign/order conventions applied. Compare Python to these with tight tolerance, or to 'fa' with ~1e-3."),
               fa_tight),
  factanal_ml_cross_check = list(
    call = sprintf("factanal(covmat = R_cc, factors = 2, n.obs = %d, rotation = 'none')", n_cc),
    uniquenesses = nv(factanal_ml$uniquenesses),
    STATISTIC = factanal_ml$STATISTIC[[1]], dof = factanal_ml$dof,
    PVAL = factanal_ml$PVAL[[1]], objective = factanal_ml$criteria[["objective"]])
)
write_ref(factor_json, "factor.json")

## ============================================================ (c) crosstab ==
tab32 <- matrix(c(2, 14, 25, 8, 22, 18), nrow = 3,
                dimnames = list(group = c("small", "medium", "large"), answer = c("yes", "no")))
tab22 <- matrix(c(3, 10, 9, 4), nrow = 2,
                dimnames = list(group = c("A", "B"), answer = c("yes", "no")))
write_data(data.frame(group = rownames(tab32), yes = tab32[, "yes"], no = tab32[, "no"]), "crosstab_3x2.csv")
write_data(data.frame(group = rownames(tab22), yes = tab22[, "yes"], no = tab22[, "no"]), "crosstab_2x2.csv")

chisq_out <- function(ct, call) list(call = call, statistic = ct$statistic[[1]],
                                     df = ct$parameter[[1]], p_value = ct$p.value,
                                     expected = mat(ct$expected))
cramer <- function(tab, X2) sqrt(X2 / (sum(tab) * (min(dim(tab)) - 1)))
c32 <- suppressWarnings(chisq.test(tab32, correct = FALSE))
c22n <- suppressWarnings(chisq.test(tab22, correct = FALSE))
c22y <- suppressWarnings(chisq.test(tab22, correct = TRUE))
f22 <- fisher.test(tab22)
f32 <- fisher.test(tab32)
crosstab_json <- list(
  tables = list(
    crosstab_3x2 = list(file = "crosstab_3x2.csv", counts = mat(tab32), n = sum(tab32),
                        note = "expected count for (small, yes) is 10*41/89 = 4.61 < 5"),
    crosstab_2x2 = list(file = "crosstab_2x2.csv", counts = mat(tab22), n = sum(tab22))),
  crosstab_3x2 = list(
    chisq = chisq_out(c32, "chisq.test(tab32, correct = FALSE)   # Pearson X^2; Yates never applies to tables larger than 2x2"),
    fisher = list(call = "fisher.test(tab32)   # exact (network algorithm), two-sided", p_value = f32$p.value),
    cramers_v = list(value = cramer(tab32, c32$statistic[[1]]),
                     formula = "sqrt(X2 / (n * (min(r, c) - 1))), X2 uncorrected Pearson statistic, no bias correction")),
  crosstab_2x2 = list(
    chisq_no_yates = chisq_out(c22n, "chisq.test(tab22, correct = FALSE)"),
    chisq_yates = chisq_out(c22y, "chisq.test(tab22, correct = TRUE)   # Yates: sum((|O-E| - min(0.5, |O-E|))^2/E)"),
    fisher = list(call = "fisher.test(tab22)   # two-sided; p = sum of hypergeometric probs <= P(observed) (relative tolerance 1e-7)",
                  p_value = f22$p.value,
                  odds_ratio_conditional_mle = f22$estimate[[1]],
                  conf_int = arr(f22$conf.int), conf_level = attr(f22$conf.int, "conf.level"),
                  sample_odds_ratio = (tab22[1, 1] * tab22[2, 2]) / (tab22[1, 2] * tab22[2, 1]),
                  note = "R's estimate is the CONDITIONAL MLE of the odds ratio (noncentral hypergeometric), not the sample (cross-product) odds ratio that scipy.stats.fisher_exact returns as 'statistic'; the CI is the exact conditional interval; scipy.stats.contingency.odds_ratio(table, kind='conditional') implements the same conditional estimate and interval."),
    phi_cramers_v = list(value = cramer(tab22, c22n$statistic[[1]]),
                         formula = "sqrt(X2/n) with the uncorrected X2 (correct = FALSE)"))
)
write_ref(crosstab_json, "crosstab.json")

## ================================================= (d) ordinal regression ==
set.seed(SEED + 2L)
n_d <- 180
size_levels <- c("small", "medium", "large")
size_idx <- sample(1:3, n_d, replace = TRUE, prob = c(0.45, 0.35, 0.20))
sentralitet <- sample(0:3, n_d, replace = TRUE)
log_pop <- round(c(7.8, 9.0, 10.4)[size_idx] + rnorm(n_d, sd = 0.7), 4)
eta_d <- c(0, 0.6, 1.2)[size_idx] + 0.4 * sentralitet + 0.35 * (log_pop - 9)
ystar <- eta_d + rlogis(n_d)
outcome <- cut_ord(ystar, c(-0.3, 0.9, 2.0)) + 1L         # 1..4
ordreg <- data.frame(outcome = outcome, size_class = size_levels[size_idx],
                     sentralitet = sentralitet, log_pop = log_pop)
write_data(ordreg, "ordinal_regression.csv")

ordreg$outcome_f <- factor(ordreg$outcome, levels = 1:4, ordered = TRUE)
ordreg$size_class_f <- factor(ordreg$size_class, levels = size_levels)
fit_polr <- MASS::polr(outcome_f ~ size_class_f + sentralitet + log_pop, data = ordreg,
                       method = "logistic", Hess = TRUE)
fit_polr_tight <- MASS::polr(outcome_f ~ size_class_f + sentralitet + log_pop, data = ordreg,
                             method = "logistic", Hess = TRUE,
                             control = list(reltol = 1e-15, maxit = 10000))
polr_out <- function(fit) {
  V <- vcov(fit)
  se <- sqrt(diag(V))
  zeta <- fit$zeta
  list(coefficients = nv(coef(fit)),
       zeta = nv(zeta),
       se_coefficients = nv(se[names(coef(fit))]),
       se_zeta = nv(se[names(zeta)]),
       vcov = mat(V),
       logLik = as.numeric(logLik(fit)), deviance = fit$deviance, AIC = AIC(fit),
       df = attr(logLik(fit), "df"), nobs = fit$nobs, convergence = fit$convergence,
       niter = arr(fit$niter),
       fitted_probs_first5 = mat(fit$fitted.values[1:5, ]),
       statsmodels_OrderedModel_params = list(
         note = "statsmodels OrderedModel(distr='logit') params: [betas..., t1, log(t2-t1), log(t3-t2)]",
         values = nv(c(coef(fit), t1 = zeta[[1]], log_t2_minus_t1 = log(zeta[[2]] - zeta[[1]]),
                       log_t3_minus_t2 = log(zeta[[3]] - zeta[[2]])))))
}
tab_sz <- table(ordreg$size_class_f, ordreg$outcome)
ordreg_json <- list(
  data = list(file = "ordinal_regression.csv", n = n_d,
              description = "outcome 1..4 (ordered), size_class in {small, medium, large} (reference = small), sentralitet integer 0..3 (numeric), log_pop numeric. Generated from a proportional-odds logistic model.",
              outcome_by_size = mat(tab_sz)),
  call = "MASS::polr(factor(outcome, levels=1:4, ordered=TRUE) ~ factor(size_class, levels=c('small','medium','large')) + sentralitet + log_pop, method = 'logistic', Hess = TRUE)",
  parameterisation = "logit P(Y <= k | x) = zeta_k - eta,  eta = x'beta (no intercept; dummies size_class_fmedium, size_class_flarge). Positive beta => higher categories more likely. statsmodels OrderedModel uses the same sign convention: P(Y <= k) = F(cut_k - x'beta).",
  polr_default = polr_out(fit_polr),
  polr_tight = c(polr_out(fit_polr_tight),
                 list(note = "same model, optim control reltol = 1e-15: the exact MLE to ~1e-8. SEs come from the optim Hessian (finite differences of the analytic gradient) in both fits -> SEs agree with an analytic Hessian to ~1e-5 relative.",
                      max_abs_diff_coef_vs_default = max(abs(c(coef(fit_polr_tight), fit_polr_tight$zeta) - c(coef(fit_polr), fit_polr$zeta)))))
)
write_ref(ordreg_json, "ordinal_regression.json")

## ============================================================== (e) survey ==
set.seed(SEED + 3L)
n_h <- c(39, 26, 85, 37)
N_h <- c(95, 60, 180, 95)            # sums to 430
y_h <- c(27, 17, 61, 26)             # sums to 131
stopifnot(sum(n_h) == 187, sum(N_h) == 430, sum(y_h) == 131)
svy <- do.call(rbind, lapply(1:4, function(h)
  data.frame(stratum = h, y = sample(c(rep(1L, y_h[h]), rep(0L, n_h[h] - y_h[h]))),
             N_stratum = N_h[h], N_total = 430L)))
svy <- svy[sample(nrow(svy)), ]
svy$id <- seq_len(nrow(svy))
svy <- svy[, c("id", "stratum", "y", "N_stratum", "N_total")]
rownames(svy) <- NULL
write_data(svy, "svy_sample.csv")

svy$w_strat <- svy$N_stratum / n_h[svy$stratum]
designs <- list(
  srs_fpc = list(d = svydesign(ids = ~1, fpc = ~N_total, data = svy),
                 call = "svydesign(ids = ~1, fpc = ~N_total, data = svy)   # SRS without replacement, N = 430"),
  srs_nofpc = list(d = suppressWarnings(svydesign(ids = ~1, data = svy)),
                   call = "svydesign(ids = ~1, data = svy)   # equal weights, no fpc (with-replacement variance)"),
  strat_fpc = list(d = svydesign(ids = ~1, strata = ~stratum, fpc = ~N_stratum, data = svy),
                   call = "svydesign(ids = ~1, strata = ~stratum, fpc = ~N_stratum, data = svy)   # weights N_h/n_h implied by fpc"),
  strat_nofpc = list(d = svydesign(ids = ~1, strata = ~stratum, weights = ~w_strat, data = svy),
                     call = "svydesign(ids = ~1, strata = ~stratum, weights = ~w_strat, data = svy)   # w = N_h/n_h, no fpc"))
methods <- c("logit", "likelihood", "asin", "beta", "mean", "xlogit")
survey_designs <- lapply(designs, function(D) {
  m <- svymean(~y, D$d)
  cis <- lapply(methods, function(me) {
    r <- svyciprop(~y, D$d, method = me)
    list(estimate = as.numeric(r), ci = arr(attr(r, "ci")))
  })
  names(cis) <- methods
  list(design = D$call, degf = degf(D$d),
       svymean = list(mean = coef(m)[[1]], SE = SE(m)[[1]]),
       svyciprop = c(list(call = "svyciprop(~y, design, method = m)   # level = 0.95, df = degf(design)"), cis))
})
p_hat <- 131 / 187
## hand computations that check the formulas written into the JSON notes
se_fpc <- sqrt((1 - 187 / 430) * p_hat * (1 - p_hat) / 186)
tq <- qt(0.975, 186)
Wh <- N_h / 430; ph <- y_h / n_h; s2h <- ph * (1 - ph) * n_h / (n_h - 1)
strat_mean <- sum(Wh * ph)
strat_se_fpc <- sqrt(sum(Wh^2 * (1 - n_h / N_h) * s2h / n_h))
neff <- p_hat * (1 - p_hat) / se_fpc^2   # df = n - 1 for SRS, so the qt ratio is 1
hand_ci <- list(
  mean = p_hat + c(-1, 1) * tq * se_fpc,
  logit = plogis(qlogis(p_hat) + c(-1, 1) * tq * se_fpc / (p_hat * (1 - p_hat))),
  asin = sin(asin(sqrt(p_hat)) + c(-1, 1) * tq * se_fpc / (2 * sqrt(p_hat * (1 - p_hat))))^2,
  beta = c(qbeta(0.025, neff * p_hat, neff * (1 - p_hat) + 1), qbeta(0.975, neff * p_hat + 1, neff * (1 - p_hat))))
bt <- binom.test(131, 187)
pt0 <- prop.test(131, 187, correct = FALSE)
pt1 <- prop.test(131, 187, correct = TRUE)
survey_json <- list(
  data = list(file = "svy_sample.csv", n = 187, N = 430, successes = 131,
              strata = list(stratum = arr(1:4), n_h = arr(n_h), N_h = arr(N_h), y_h = arr(y_h)),
              description = "one row per sampled unit; y binary; N_stratum = population size of the unit's stratum; N_total = 430"),
  designs = survey_designs,
  hand_formulas = list(
    srs_SE_fpc = sqrt((1 - 187 / 430) * p_hat * (1 - p_hat) / 186),
    srs_SE_nofpc = sqrt(p_hat * (1 - p_hat) / 186),
    strat_mean = strat_mean,
    strat_SE_fpc = strat_se_fpc,
    srs_fpc_ci_by_hand = lapply(hand_ci, arr),
    note = "survey's SRS SE of a proportion is sqrt((1 - n/N) * p(1-p)/(n-1)) (s^2 uses n-1); without fpc sqrt(p(1-p)/(n-1)). Stratified: sqrt(sum_h W_h^2 (1 - n_h/N_h) s_h^2/n_h), W_h = N_h/N, s_h^2 with n_h - 1.",
    svyciprop_methods = "all methods use t quantiles with df = degf(design) (SRS: n-1 = 186; stratified: n-H = 183). mean: p +/- t*SE. logit: expit(logit(p) +/- t*SE/(p(1-p))) (Wald on svyglm quasibinomial intercept). xlogit: same via svycontrast. asin: sin(asin(sqrt(p)) +/- t*SE/(2 sqrt(p(1-p))))^2. beta: Korn-Graubard, n_eff = p(1-p)/SE^2 * (qt(.025, n-1)/qt(.025, degf))^2, CI = [qbeta(.025, n_eff*p, n_eff*(1-p)+1), qbeta(.975, n_eff*p+1, n_eff*(1-p))]. likelihood: Rao-Scott scaled profile likelihood of svyglm."),
  binom_test = list(call = "binom.test(131, 187)   # Clopper-Pearson exact",
                    estimate = bt$estimate[[1]], conf_int = arr(bt$conf.int), p_value = bt$p.value),
  prop_test_wilson = list(call = "prop.test(131, 187, correct = FALSE)   # Wilson score interval",
                          estimate = pt0$estimate[[1]], conf_int = arr(pt0$conf.int),
                          statistic = pt0$statistic[[1]], p_value = pt0$p.value),
  prop_test_wilson_cc = list(call = "prop.test(131, 187, correct = TRUE)   # Wilson with continuity correction",
                             conf_int = arr(pt1$conf.int), statistic = pt1$statistic[[1]], p_value = pt1$p.value)
)
write_ref(survey_json, "survey.json")

## ======================================================= (f) nonparametric ==
kw <- kruskal.test(outcome ~ size_class_f, data = ordreg)
bin <- as.integer(ordreg$outcome >= 3)
x_succ <- tapply(bin, ordreg$size_class_f, sum)
n_grp <- tapply(bin, ordreg$size_class_f, length)
ptt <- prop.trend.test(x_succ, n_grp)
ptt_scores <- prop.trend.test(x_succ, n_grp, score = c(0, 1, 2))
nonpar_json <- list(
  data = list(file = "ordinal_regression.csv",
              note = "uses outcome (1..4) and size_class (groups ordered small < medium < large)"),
  kruskal_wallis = list(call = "kruskal.test(outcome ~ factor(size_class, levels = c('small','medium','large')))",
                        statistic = kw$statistic[[1]], df = kw$parameter[[1]], p_value = kw$p.value,
                        mean_ranks = nv(tapply(rank(ordreg$outcome), ordreg$size_class_f, mean)),
                        group_n = nv(n_grp),
                        note = "midranks for ties, H divided by the tie correction 1 - sum(t^3 - t)/(N^3 - N); chi-square df = k - 1 (same as scipy.stats.kruskal)"),
  prop_trend_test = list(call = "prop.trend.test(x, n)   # x = number with outcome >= 3 per size class, score = 1:3",
                         x = nv(x_succ), n = nv(n_grp),
                         statistic = ptt$statistic[[1]], df = ptt$parameter[[1]], p_value = ptt$p.value,
                         statistic_scores_0_1_2 = ptt_scores$statistic[[1]],
                         note = "Cochran-Armitage chi-square for trend as base R computes it (regression SS of p_i on scores with weights n_i/(p(1-p))): X2 = [sum x_i s_i - p sum n_i s_i]^2 / (p(1-p) [sum n_i s_i^2 - (sum n_i s_i)^2 / N]), p = pooled proportion, N = sum n_i; df = 1. No N/(N-1) factor. Invariant to linear transformations of the scores."),
  jonckheere_terpstra = "not computed: no JT implementation in base R or in the installed packages"
)
write_ref(nonpar_json, "nonparametric.json")

## ============================================================ (g) p.adjust ==
pvals <- c(0.041, 0.0004, 0.20, 0.012, 0.93, 0.049, 0.012, 0.46)
padj <- lapply(c("holm", "BH", "bonferroni", "hochberg", "BY"), function(m) arr(p.adjust(pvals, method = m)))
names(padj) <- c("holm", "BH", "bonferroni", "hochberg", "BY")
padjust_json <- list(
  p = arr(pvals),
  note = "p is deliberately unsorted and contains a tie (0.012 twice); results are in the input order. call: p.adjust(p, method = m) with n = length(p)",
  adjusted = padj
)
write_ref(padjust_json, "padjust.json")

cat("done\n")
