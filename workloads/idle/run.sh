#!/bin/sh
# Hold still: nothing runs but the agent, so the host-side samples are the guest's idle footprint.
sleep "${TB_duration_s:-5}"
