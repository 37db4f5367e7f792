#!/bin/sh
# sysbench memory for a fixed time (the total size is only a ceiling); bandwidth from its summary line.
# Each thread writes its own block of block_size over and over: the block size decides whether this
# measures RAM (a block far larger than the last-level cache) or a cache level. The source names it.
block=${TB_block_size:-1M}
out=$(sysbench memory --threads="${TB_threads:-1}" --time="${TB_duration_s:-10}" \
  --memory-block-size="$block" --memory-total-size="${TB_total_size:-100000G}" \
  --memory-oper=write run 2>&1)
status=$?
printf '%s\n' "$out"
# "10240.00 MiB transferred (3421.45 MiB/sec)"
bw=$(printf '%s\n' "$out" | sed -n 's/.*MiB transferred (\([0-9.]*\) MiB\/sec).*/\1/p')
[ "$status" -eq 0 ] || exit "$status"
[ -n "$bw" ] || { echo "TWINBENCH ERROR no 'MiB transferred (… MiB/sec)' in sysbench output"; exit 65; }
echo "TWINBENCH RESULT name=bandwidth_mib_per_s value=$bw unit=MiB/s source=guest.sysbench.memory.write.block_$block"
