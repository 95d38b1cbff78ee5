#!/usr/bin/env bash
# The dependency rule of docs/architecture.md, checked on the source tree:
# each third-party library is included from one module only, and orchestrator/core does no
# I/O and reads no clock (the simulator drives it on a simulated clock).
set -u
ROOT="${1:-$(cd "$(dirname "$0")/.." && pwd)}"
cd "$ROOT"
fail=0

only_in() { # PATTERN ALLOWED_REGEX WHAT
    local hits
    hits=$(grep -rlE "$1" --include='*.c' --include='*.h' common orchestrator agent dataplane sim 2>/dev/null \
           | grep -vE "$2" || true)
    if [ -n "$hits" ]; then
        echo "FAIL: $3 included outside its module:"; echo "$hits" | sed 's/^/  /'
        fail=1
    else
        echo "ok   $3 stays in its module"
    fi
}

only_in '#include *<zmq\.h>' '^common/transport\.c$' 'ZeroMQ (zmq.h)'
only_in '#include *<yaml\.h>' '^common/config\.c$' 'libyaml (yaml.h)'
only_in '#include *(<protobuf-c/|"corridor\.pb-c\.h")' '^common/(msg|wire)\.c$' 'protobuf-c'
only_in '#include *<netlink/' '^agent/netlink/' 'libnl (netlink/)'
only_in '#include *<rte_' '^dataplane/' 'DPDK (rte_*.h)'
if grep -rqE '#include *<rte_' dataplane/parse 2>/dev/null; then
    echo "FAIL: dataplane/parse must stay pure C (no DPDK headers)"; fail=1
fi
only_in '#include *<(nvml|cuda)' '^agent/gpu' 'NVML/CUDA'

core_io=$(grep -nE '\b(clock_gettime|gettimeofday|time\(|fopen|socket\(|zmq_|corridor_clock_|corridor_sock_|printf\()' orchestrator/core/*.c orchestrator/core/*.h || true)
if [ -n "$core_io" ]; then
    echo "FAIL: orchestrator/core reads a clock or does I/O:"; echo "$core_io" | sed 's/^/  /'
    fail=1
else
    echo "ok   orchestrator/core reads no clock and does no I/O"
fi
core_inc=$(grep -nE '#include *"(transport|clock|config|daemon)\.h"' orchestrator/core/* || true)
if [ -n "$core_inc" ]; then
    echo "FAIL: orchestrator/core includes a daemon-side header:"; echo "$core_inc" | sed 's/^/  /'
    fail=1
fi
exit $fail
