# Exact (Clopper-Pearson) 95 % intervals at shares of 0 % and 100 %, the fallback
# of samanalyse.report.intervals where the finite-population interval is undefined.
# Run once: Rscript tests/reference/make_exact_edge_reference.R > tests/reference/exact_edge.csv
cases <- data.frame(x = c(0, 18, 0, 187, 0, 3, 0, 14), n = c(18, 18, 187, 187, 3, 3, 14, 14))
ci <- t(mapply(function(x, n) binom.test(x, n)$conf.int, cases$x, cases$n))
cases$ci_low <- sprintf("%.12f", ci[, 1])
cases$ci_high <- sprintf("%.12f", ci[, 2])
write.csv(cases, stdout(), row.names = FALSE, quote = FALSE)
