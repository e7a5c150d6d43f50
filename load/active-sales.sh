# shellcheck shell=bash
# Source this: the registry of sales the workers read (src/FlashSale.Service/Pool/ActiveSales.cs), from the shell.
# It is 8 sets "NS:active-sales:{NS:asN}"; a sale is in set N = FNV-1a(sale id) mod 8. NS is FlashSale:Redis:Namespace.

active_sales_key() { # sale-id [namespace]
  local ns="${2:-fs}"
  python3 -c 'import sys
h = 2166136261
for c in sys.argv[1]: h = ((h ^ ord(c)) * 16777619) & 0xFFFFFFFF
print(f"{sys.argv[2]}:active-sales:{{{sys.argv[2]}:as{h % 8}}}")' "$1" "$ns"
}

active_sales_add() { redis-cli -u "$1" SADD "$(active_sales_key "$2" "${3:-fs}")" "$2" >/dev/null; }    # redis-url sale-id [namespace]
active_sales_remove() { redis-cli -u "$1" SREM "$(active_sales_key "$2" "${3:-fs}")" "$2" >/dev/null; } # redis-url sale-id [namespace]
