# SPDX-License-Identifier: MIT
"""Host tests of the fpgadma binding that need no device: library loading,
error mapping, argument checks. Run: FPGADMA_LIBRARY=build/userlib/libfpgadma.so.0
PYTHONPATH=python python3 -m unittest python/tests/test_host.py"""
import ctypes
import errno
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np

import fpgadma


class HostTests(unittest.TestCase):
    def test_version(self):
        major, minor = fpgadma.library_version()
        self.assertEqual(major, 1)
        self.assertGreaterEqual(minor, 2)

    def test_counters_starved_optional(self):
        # Counters from a driver without FPGADMA_CAP_STARVED: None, not 0.
        c = fpgadma.Counters(*range(11))
        self.assertIsNone(c.starved)
        self.assertIsNone(c.starved_ns)
        self.assertTrue(hasattr(fpgadma._lib, "fpgadma_starved"))

    def test_library_missing(self):
        env = dict(os.environ, FPGADMA_LIBRARY="/nonexistent/libfpgadma.so.0")
        r = subprocess.run([sys.executable, "-c", "import fpgadma"], env=env,
                           capture_output=True, text=True)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("LibraryNotFoundError", r.stderr)
        self.assertIn("install the libfpgadma0 package", r.stderr)

    def test_open_errors(self):
        with self.assertRaises(fpgadma.NoDeviceError) as cm:
            fpgadma.open("/nonexistent/fpgadma0")
        self.assertEqual(cm.exception.errno, errno.ENOENT)
        self.assertIsInstance(cm.exception, FileNotFoundError)
        with self.assertRaises(fpgadma.Error) as cm:
            fpgadma.open("/dev/null")
        self.assertEqual(cm.exception.errno, errno.ENOTTY)
        with tempfile.TemporaryDirectory() as d:
            with self.assertRaises(fpgadma.Error) as cm:
                fpgadma.open(d)
            self.assertEqual(cm.exception.errno, errno.EISDIR)
        with self.assertRaises(fpgadma.NoDeviceError):
            fpgadma.open(4000)

    def test_bad_arguments(self):
        for bad in (-1, 2**31):
            with self.assertRaises(ValueError):
                fpgadma.open(bad)
        with self.assertRaises(TypeError):
            fpgadma.open(True)
        with self.assertRaises(ValueError):
            fpgadma.open("/dev/fpga\0dma0")
        with self.assertRaises(TypeError):
            fpgadma.open(1.5)
        for t in (-1, float("nan"), float("inf"), 1e10):
            with self.assertRaises(ValueError, msg=repr(t)):
                fpgadma._timeout_ms(t)
        for t in ("1", True, []):
            with self.assertRaises(TypeError, msg=repr(t)):
                fpgadma._timeout_ms(t)
        self.assertEqual(fpgadma._timeout_ms(None), -1)
        self.assertEqual(fpgadma._timeout_ms(0), 0)
        self.assertEqual(fpgadma._timeout_ms(0.0001), 1)
        self.assertEqual(fpgadma._timeout_ms(2.5), 2500)
        for v in (-1, 2**32):
            with self.assertRaises(ValueError):
                fpgadma._u32(v, "x")
        for v in (1.0, "1", None, False):
            with self.assertRaises(TypeError):
                fpgadma._u32(v, "x")

    def test_error_classes(self):
        for cls, base, err in ((fpgadma.TimeoutError, TimeoutError, errno.ETIMEDOUT),
                               (fpgadma.WouldBlockError, BlockingIOError, errno.EAGAIN),
                               (fpgadma.NotStreamingError, BrokenPipeError, errno.EPIPE),
                               (fpgadma.DeviceGoneError, OSError, errno.ENODEV)):
            with self.assertRaises(cls) as cm:
                fpgadma._check(-err, "x")
            self.assertIsInstance(cm.exception, base)
            self.assertIsInstance(cm.exception, fpgadma.Error)
            self.assertEqual(cm.exception.errno, err)
        self.assertEqual(fpgadma._check(3, "x"), 3)

    def test_view_lifetime(self):
        """The live-array count behind release()'s BufferError, over plain
        memory (Buffer needs only its stream's held-buffer table for it)."""
        raw = ctypes.create_string_buffer(bytes(range(256)) * 16)
        v = fpgadma._View(data=ctypes.addressof(raw), len=4096, sequence=7)

        class Owner:
            _held = {}
        b = fpgadma.Buffer(Owner(), v)
        self.assertEqual(b._views_alive(), 0)
        a = b.data
        self.assertFalse(a.flags.writeable)
        self.assertEqual(a.ctypes.data, ctypes.addressof(raw))   # no copy
        w = b.array(np.uint32)[4:8]
        m = memoryview(b.array(np.uint16))
        c = np.frombuffer(b.data, np.uint8)
        self.assertEqual(b._views_alive(), 4)
        with self.assertRaises(BufferError):
            b._drop_view()
        self.assertFalse(b.released)
        self.assertEqual(int(w[0]), int.from_bytes(bytes(range(16, 20)), sys.byteorder))
        del a, w, c
        m.release()
        del m
        self.assertEqual(b._views_alive(), 0)
        b._drop_view()
        self.assertTrue(b.released)
        with self.assertRaises(ValueError):
            b.data
        with self.assertRaises(ValueError):
            b.array(np.float64)


if __name__ == "__main__":
    unittest.main()
