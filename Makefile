# Every target builds what it needs: a new user types `make demo` or `make test` and nothing else.
PY := .venv/bin/python
STAMP := .venv/.installed

.PHONY: setup demo test test-slow wheel-check bench lint clean

setup: $(STAMP)

# Rebuilt only when pyproject.toml changes, so `make test` is quick when already set up.
# --compile-bytecode writes the .pyc files once: where PYTHONDONTWRITEBYTECODE=1 is set (the shared machine),
# Python never writes them, and every process (each pytest worker, each `ganzoo` a test starts) recompiled
# torch/Lightning/POT on import: 16.7 s of CPU per `import gan_zoo.training` without them, 5.9 s with.
$(STAMP): pyproject.toml
	@command -v uv >/dev/null 2>&1 || python3 -m pip install -q uv
	@test -x $(PY) || uv venv -q .venv
	uv pip install -q --compile-bytecode -p $(PY) -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	# lr 1e-3 (the paper: 1e-4) so that a one-minute CPU run already covers all six modes of `ring`
	.venv/bin/ganzoo train wgan-gp --out runs/demo --steps 600 --set lr=1e-3
	@echo "TensorBoard: .venv/bin/tensorboard --logdir runs/demo"

test: $(STAMP)
	$(PY) -m pytest -n 2 -q

test-slow: $(STAMP)
	$(PY) -m pytest -q -m slow

# Build the wheel, install it into a fresh venv and run `ganzoo list` + a 5-step training from it.
wheel-check:
	.ci/wheel_check

bench: $(STAMP)
	$(PY) benchmarks/throughput.py

lint: $(STAMP)
	.venv/bin/ruff check gan_zoo cli tests benchmarks

clean:
	rm -rf .venv runs
