#!/bin/sh
# The memory workload with a 1 MiB block per thread: it stays in the CPU's caches (cache bandwidth, not RAM).
TB_block_size=${TB_block_size:-1M}
export TB_block_size
exec sh "$(dirname "$0")/../memory/run.sh"
