SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

SLN     := $(or $(firstword $(wildcard FlashSale.sln FlashSale.slnx)),FlashSale.sln)
SERVICE := src/FlashSale.Service
CONFIG  := Release
RESULTS := TestResults
ARGS    ?=

.PHONY: services-up services-down browser node-tools build run run-cluster run-sentinel test clean distclean rehearse bench

services-up:
	@bash scripts/services-up.sh

browser:
	@bash scripts/ensure-chromium.sh

# Redocly CLI, openapi-typescript and openapi-fetch for the OpenAPI tests, pinned by tests/openapi/package-lock.json.
node-tools:
	@bash scripts/ensure-node-tools.sh

services-down:
	@bash scripts/services-down.sh

build:
	dotnet build $(SLN) -c $(CONFIG)

# Ctrl-C stops the service. URL (http://127.0.0.1:8080) is configured by the app.
run: services-up
	@source scripts/services-env.sh; \
	export ASPNETCORE_ENVIRONMENT="$${ASPNETCORE_ENVIRONMENT:-Development}"; \
	dotnet run --project $(SERVICE) -c $(CONFIG) -- $(ARGS)

# The same service on the local Redis Cluster (3 masters + 3 replicas) or behind the local Sentinels (docs/redis.md).
run-cluster: services-up
	@source scripts/services-env.sh; \
	export ASPNETCORE_ENVIRONMENT="$${ASPNETCORE_ENVIRONMENT:-Development}"; \
	dotnet run --project $(SERVICE) -c $(CONFIG) -- --FlashSale:Redis:Configuration="$$FLASHSALE_TEST_REDIS_CLUSTER" $(ARGS)

run-sentinel: services-up
	@source scripts/services-env.sh; \
	export ASPNETCORE_ENVIRONMENT="$${ASPNETCORE_ENVIRONMENT:-Development}"; \
	dotnet run --project $(SERVICE) -c $(CONFIG) -- --FlashSale:Redis:Configuration="$$FLASHSALE_TEST_REDIS_SENTINEL" $(ARGS)

# Last output line: "Tests: X passed, Y failed, Z skipped".
# Fails if dotnet test fails, any test fails, or zero tests ran.
test: services-up browser node-tools
	@rm -rf $(RESULTS)
	@source scripts/services-env.sh; \
	rc=0; filter=(); \
	if [ -z "$${FLASHSALE_TEST_KAFKA:-}" ]; then \
	  echo "Kafka: contract tests run on librdkafka's mock cluster; the real-broker ones are left out (set FLASHSALE_TEST_KAFKA=host:port to run them)"; \
	  filter=(--filter "Kafka!=RealBroker"); \
	fi; \
	dotnet test $(SLN) -c $(CONFIG) "$${filter[@]}" \
	  --logger "console;verbosity=normal" \
	  --logger "trx" \
	  --results-directory $(RESULTS) || rc=$$?; \
	bash scripts/test-summary.sh $(RESULTS) || { if [ $$rc -eq 0 ]; then rc=1; fi; }; \
	exit $$rc

# Rehearsal against a running service (make run in another terminal); flags in ARGS, e.g.
#   make rehearse ARGS="--users 50000 --stock 5000 --threshold 'p99<50ms'"   (ARGS="--help" lists them)
# Agents for more load than one machine: make rehearse ARGS="agent --listen 0.0.0.0:7400", then --agents HOST:PORT,...
# Reports go to load/reports/. The exit code is the verdict (0 = every threshold and invariant holds).
rehearse:
	dotnet run --project load/FlashSale.Load -c $(CONFIG) -- $(ARGS)

# BenchmarkDotNet against the local Redis and PostgreSQL; takes minutes. Not part of make test.
#   make bench ARGS="--filter *Confirm*"
bench: services-up
	@source scripts/services-env.sh; \
	dotnet run --project tests/FlashSale.Benchmarks -c $(CONFIG) -- $(ARGS)

clean:
	-dotnet clean $(SLN) -c $(CONFIG)
	rm -rf $(RESULTS)

distclean: services-down
	rm -rf .services
