#!/bin/sh
# sysbench memory for a fixed time per pass (the total size is only a ceiling); bandwidth from each pass's
# summary line. Each thread works on its own block of block_size: the block size decides whether this
# measures RAM (a block far larger than the last-level cache and the TLB's reach) or a cache level, and
# every source names it. Three passes, because they see different parts of the memory system:
# - sequential writes (a store stream: prefetchers and write-combining hide most of the memory's cost),
# - sequential reads (what STREAM measures: the memory's own bandwidth),
# - random writes over the whole block (each one a likely cache and TLB miss: where a VM's two-dimensional
#   page walk shows, as in Felter et al.'s RandomAccess).
# The guest's transparent huge page mode is part of every source too: whether the block is mapped by 2 MiB pages
# decides how many TLB misses the random pass takes (the host's side is sampled: guest.anon_huge_bytes).
block=${TB_block_size:-256M}
thp=$(sed -n 's/.*\[\(.*\)\].*/\1/p' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null)
thp=${thp:-unknown}
pass() { # oper access-mode figure-name source-suffix
  out=$(sysbench memory --threads="${TB_threads:-1}" --time="${TB_duration_s:-10}" \
    --memory-block-size="$block" --memory-total-size="${TB_total_size:-100000G}" \
    --memory-oper="$1" --memory-access-mode="$2" run 2>&1)
  status=$?
  printf '%s\n' "$out"
  # "10240.00 MiB transferred (3421.45 MiB/sec)"
  bw=$(printf '%s\n' "$out" | sed -n 's/.*MiB transferred (\([0-9.]*\) MiB\/sec).*/\1/p')
  [ "$status" -eq 0 ] || exit "$status"
  [ -n "$bw" ] || { echo "TWINBENCH ERROR no 'MiB transferred (… MiB/sec)' in sysbench output ($1, $2)"; exit 65; }
  echo "TWINBENCH RESULT name=$3 value=$bw unit=MiB/s source=guest.sysbench.memory.$4.block_$block.thp_$thp"
}
pass write seq bandwidth_mib_per_s write
pass read seq read_bandwidth_mib_per_s read
pass write rnd random_write_mib_per_s write.rnd
