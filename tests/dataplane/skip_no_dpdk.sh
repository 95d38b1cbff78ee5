#!/bin/sh
# Stands in for the DPDK dataplane tests on a build without libdpdk.
echo "SKIP: built without DPDK (libdpdk-dev not found, or -Ddpdk=disabled): the dataplane's DPDK tests did not run"
exit 77
