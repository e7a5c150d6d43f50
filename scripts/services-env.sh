# shellcheck shell=bash
# Source this file (after scripts/services-up.sh) to point FlashSale and its
# tests at the local Redis/PostgreSQL:   source scripts/services-env.sh
_fs_redis_port="${FLASHSALE_REDIS_PORT:-6390}"
_fs_pg_port="${FLASHSALE_PG_PORT:-5440}"

export FlashSale__Redis__Configuration="127.0.0.1:${_fs_redis_port}"
export FlashSale__Postgres__ConnectionString="Host=127.0.0.1;Port=${_fs_pg_port};Username=flashsale;Password=flashsale;Database=flashsale"
export FLASHSALE_TEST_REDIS="127.0.0.1:${_fs_redis_port}"
export FLASHSALE_TEST_PG="Host=127.0.0.1;Port=${_fs_pg_port};Username=flashsale;Password=flashsale;Database=flashsale_test"

# The same Redis as a cluster (three masters' addresses) and behind Sentinels (scripts/redis-topologies-up.sh).
_fs_cluster_port="${FLASHSALE_CLUSTER_PORT:-7101}"
_fs_sentinel_port="${FLASHSALE_SENTINEL_PORT:-26393}"
export FLASHSALE_TEST_REDIS_CLUSTER="127.0.0.1:${_fs_cluster_port},127.0.0.1:$((_fs_cluster_port + 1)),127.0.0.1:$((_fs_cluster_port + 2))"
export FLASHSALE_TEST_REDIS_SENTINEL="127.0.0.1:${_fs_sentinel_port},127.0.0.1:$((_fs_sentinel_port + 1)),127.0.0.1:$((_fs_sentinel_port + 2)),serviceName=${FLASHSALE_SENTINEL_NAME:-flashsale}"
export FLASHSALE_TEST_REDIS_CLUSTER_FIRST_PORT="${_fs_cluster_port}"

unset _fs_redis_port _fs_pg_port _fs_cluster_port _fs_sentinel_port
