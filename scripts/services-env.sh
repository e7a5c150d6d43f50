# shellcheck shell=bash
# Source this file (after scripts/services-up.sh) to point FlashSale and its
# tests at the local Redis/PostgreSQL:   source scripts/services-env.sh
_fs_redis_port="${FLASHSALE_REDIS_PORT:-6390}"
_fs_pg_port="${FLASHSALE_PG_PORT:-5440}"

export FlashSale__Redis__Configuration="127.0.0.1:${_fs_redis_port}"
export FlashSale__Postgres__ConnectionString="Host=127.0.0.1;Port=${_fs_pg_port};Username=flashsale;Password=flashsale;Database=flashsale"
export FLASHSALE_TEST_REDIS="127.0.0.1:${_fs_redis_port}"
export FLASHSALE_TEST_PG="Host=127.0.0.1;Port=${_fs_pg_port};Username=flashsale;Password=flashsale;Database=flashsale_test"

unset _fs_redis_port _fs_pg_port
