#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Acquire N buffers from an fpgadma device with numpy, zero copy.

Usage: acquire.py [DEVICE] [BUFFERS]   (default /dev/fpgadma0, 100)
"""
import sys

import numpy as np

import fpgadma

path = sys.argv[1] if len(sys.argv) > 1 else "/dev/fpgadma0"
count = int(sys.argv[2]) if len(sys.argv) > 2 else 100

with fpgadma.open(path) as dev:
    dev.configure(buf_count=16, buf_size=65536)
    checksum = lost = 0
    with dev.stream(timeout=1.0) as stream:          # TimeoutError after 1 s idle
        for i, buf in enumerate(stream):
            with buf:                                # released at the end of the block
                words = buf.array(np.uint64)         # read-only view of the ring, no copy
                checksum ^= int(np.bitwise_xor.reduce(words))
                lost += buf.lost_before
                del words                            # no view may outlive the release
            if i + 1 == count:
                break
    print(f"{count} buffers of {buf.nbytes} bytes from {dev.info.engine}, "
          f"{lost} lost, xor {checksum:#018x}, stats: {dev.stats().completed} completed")
