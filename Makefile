# The two commands a newcomer runs (see README):
#   make report   set up .venv and regenerate the 2010 report into reports/2010/
#   make test     set up .venv and run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: report test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# samanalyse is installed editable, so its bytecode is not compiled at install; compile it here (a no-op when
# nothing changed), which also helps where PYTHONDONTWRITEBYTECODE is set and every run would compile anew
COMPILE := $(BIN)/python -m compileall -q samanalyse > /dev/null

report: $(STAMP)
	$(COMPILE)
	$(BIN)/samanalyse report --round 2010 --out reports/2010

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(COMPILE)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build dist reports/2010 .pytest_cache
