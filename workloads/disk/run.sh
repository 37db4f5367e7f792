#!/bin/sh
# fio on the scratch file (container, native: /scratch/fio.dat) or disk (VM: /dev/vdb) the harness
# passes as TB_scratch_file. The JSON goes to the host on one line and is parsed there.
[ -n "${TB_scratch_file:-}" ] || { echo "TWINBENCH ERROR no scratch_file given"; exit 64; }
TB_FILE=$TB_scratch_file TB_SIZE_MIB=${TB_size_mib:-256} TB_RUNTIME_S=${TB_duration_s:-5} TB_RAMP_S=${TB_ramp_s:-1} \
  fio --eta=never --output-format=json --output=/tmp/fio.json /twinbench/workloads/disk/jobs.fio 2>/tmp/fio.err
status=$?
if [ "$status" -ne 0 ]; then
  cat /tmp/fio.err /tmp/fio.json 2>/dev/null
  echo "TWINBENCH ERROR fio exited with status $status"
  exit "$status"
fi
printf 'TWINBENCH DATA tool=fio %s\n' "$(tr -d '\n' < /tmp/fio.json | tr -s ' ')"
