# SPDX-License-Identifier: MIT
"""fpgadma: zero-copy numpy views of an fpgadma device's DMA ring.

A thin ctypes layer over libfpgadma (libfpgadma.so.0)::

    import fpgadma

    with fpgadma.open("/dev/fpgadma0") as dev:
        dev.configure(buf_count=16, buf_size=65536)
        with dev.stream(timeout=1.0) as stream:
            for buf in stream:                # TimeoutError after 1 s idle
                with buf:                     # released at the end of the block
                    total = int(buf.data.sum())   # read only, no copy

Each buffer's data is a read-only numpy array over the mapped ring. Such an
array must not outlive the buffer's release: ``Buffer.release()`` (and
``Stream.stop()``, ``Device.close()``) raise ``BufferError`` while an
array made from the buffer is alive, and the buffer's data after its
release raises ``ValueError``. Errors of the library are ``Error``
(an ``OSError``) subclasses carrying ``errno``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno as _errno
import math
import os
import sys
from dataclasses import dataclass
from typing import Dict, Iterator, Optional, Union

import numpy as np

__all__ = [
    "Error", "DeviceGoneError", "NotStreamingError", "BusyError",
    "TimeoutError", "WouldBlockError", "InterruptedError", "NoDeviceError",
    "PermissionError", "LibraryNotFoundError",
    "Device", "Stream", "Buffer", "DevInfo", "Counters", "open",
    "library_version", "MEM_AUTO", "MEM_COHERENT", "MEM_CACHED",
]

SONAME = "libfpgadma.so.0"

MEM_AUTO = 0
MEM_COHERENT = 1
MEM_CACHED = 2
_MEM_NAMES = {MEM_COHERENT: "coherent", MEM_CACHED: "cached"}

_OPEN_COPY = 1 << 0
_VIEW_ERROR = 1 << 0
_VIEW_SHORT = 1 << 1
_WAIT_FOREVER = -1
_INT_MAX = 2**31 - 1
_U32_MAX = 2**32 - 1


class LibraryNotFoundError(ImportError):
    """libfpgadma.so.0 could not be loaded (package libfpgadma0 missing)."""


# --- errors -----------------------------------------------------------------

class Error(OSError):
    """An error returned by libfpgadma; ``errno`` holds the error number."""


class DeviceGoneError(Error):
    """ENODEV: the device was removed; only close() is useful now."""


class NotStreamingError(Error, BrokenPipeError):
    """EPIPE: the stream was never started or was stopped."""


class BusyError(Error):
    """EBUSY: another handle streams, or this one does (configure)."""


class TimeoutError(Error, TimeoutError):  # noqa: A001 (a builtins subclass)
    """ETIMEDOUT: nothing arrived within the timeout."""


class WouldBlockError(Error, BlockingIOError):
    """EAGAIN: timeout 0 and nothing was ready."""


class InterruptedError(Error, InterruptedError):  # noqa: A001
    """EINTR: a signal arrived while waiting."""


class NoDeviceError(Error, FileNotFoundError):
    """ENOENT: no such device node."""


class PermissionError(Error, PermissionError):  # noqa: A001
    """EACCES: no permission to open the node (group fpgadma)."""


_CLASSES = {
    _errno.ENODEV: DeviceGoneError,
    _errno.EPIPE: NotStreamingError,
    _errno.EBUSY: BusyError,
    _errno.ETIMEDOUT: TimeoutError,
    _errno.EAGAIN: WouldBlockError,
    _errno.EINTR: InterruptedError,
    _errno.ENOENT: NoDeviceError,
    _errno.EACCES: PermissionError,
}


# --- the library ------------------------------------------------------------

class _View(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("len", ctypes.c_size_t),
                ("sequence", ctypes.c_uint64), ("timestamp_ns", ctypes.c_uint64),
                ("lost_before", ctypes.c_uint32), ("flags", ctypes.c_uint32),
                ("index", ctypes.c_uint32)]


class _DevInfo(ctypes.Structure):
    _fields_ = [(n, ctypes.c_uint32) for n in
                ("api_version", "caps", "buf_count", "buf_size",
                 "max_buf_count", "max_buf_size")] + \
               [("max_ring_size", ctypes.c_uint64)] + \
               [(n, ctypes.c_uint32) for n in
                ("max_xfer", "page_size", "dma_bits", "streaming")] + \
               [("engine", ctypes.c_char * 32)]


_COUNTERS64 = ("completed", "dequeued", "released", "dropped", "errors", "irqs", "bytes")
_COUNTERS32 = ("queued", "done", "user", "streaming")


class _Counters(ctypes.Structure):
    _fields_ = [(n, ctypes.c_uint64) for n in _COUNTERS64] + \
               [(n, ctypes.c_uint32) for n in _COUNTERS32]


def _load() -> ctypes.CDLL:
    name = os.environ.get("FPGADMA_LIBRARY", SONAME)
    try:
        lib = ctypes.CDLL(name)
    except OSError as e:
        raise LibraryNotFoundError(
            f"fpgadma: cannot load {name} ({e}); install the libfpgadma0 "
            "package (or set FPGADMA_LIBRARY to the library's path)") from None
    h = ctypes.c_void_p
    pp = ctypes.POINTER(h)
    vp = ctypes.POINTER(_View)
    u32, i = ctypes.c_uint32, ctypes.c_int
    for fn, args in {
        "fpgadma_version": [], "fpgadma_strerror": [i],
        "fpgadma_open": [pp, ctypes.c_char_p, ctypes.c_uint],
        "fpgadma_open_index": [pp, i, ctypes.c_uint],
        "fpgadma_close": [h], "fpgadma_fd": [h],
        "fpgadma_info": [h, ctypes.POINTER(_DevInfo)],
        "fpgadma_stats": [h, ctypes.POINTER(_Counters)],
        "fpgadma_configure": [h, u32, u32],
        "fpgadma_configure_memory": [h, u32, u32, ctypes.c_uint],
        "fpgadma_memory": [h], "fpgadma_start": [h], "fpgadma_stop": [h],
        "fpgadma_next": [h, vp, i], "fpgadma_release": [h, vp],
        "fpgadma_read": [h, ctypes.c_void_p, ctypes.c_size_t, i],
    }.items():
        f = getattr(lib, fn)
        f.argtypes = args
        f.restype = ctypes.c_int
    # Library 1.4; an older one has no fpgadma_starved (Counters.starved None).
    if hasattr(lib, "fpgadma_starved"):
        u64p = ctypes.POINTER(ctypes.c_uint64)
        lib.fpgadma_starved.argtypes = [h, u64p, u64p]
        lib.fpgadma_starved.restype = ctypes.c_int
    lib.fpgadma_strerror.restype = ctypes.c_char_p
    lib.fpgadma_read.restype = ctypes.c_ssize_t
    return lib


_lib = _load()


def _check(rc: int, what: str) -> int:
    if rc < 0:
        err = -rc
        cls = _CLASSES.get(err, Error)
        msg = _lib.fpgadma_strerror(rc).decode(errors="replace")
        raise cls(err, f"{what}: {msg}")
    return rc


def library_version() -> tuple:
    """The library's API version as (major, minor)."""
    v = _lib.fpgadma_version()
    return (v >> 16, v & 0xFFFF)


def _timeout_ms(timeout: Optional[float]) -> int:
    """Seconds (float, None: forever, 0: do not wait) to milliseconds."""
    if timeout is None:
        return _WAIT_FOREVER
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError(f"timeout must be a number of seconds or None, not {type(timeout).__name__}")
    if not math.isfinite(timeout) or timeout < 0:
        raise ValueError(f"timeout must be >= 0 seconds or None, not {timeout!r}")
    ms = math.ceil(timeout * 1000)
    if ms > _INT_MAX:
        raise ValueError(f"timeout {timeout!r} s is too long (at most {_INT_MAX // 1000} s)")
    return ms


def _u32(value: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if not 0 <= value <= _U32_MAX:
        raise ValueError(f"{name} must be in 0..{_U32_MAX}, not {value}")
    return value


# --- data classes -----------------------------------------------------------

@dataclass(frozen=True)
class DevInfo:
    """What the driver reports (fpgadma_info()); ring geometry is current."""
    api_version: int
    caps: int
    buf_count: int
    buf_size: int
    max_buf_count: int
    max_buf_size: int
    max_ring_size: int
    max_xfer: int
    page_size: int
    dma_bits: int
    streaming: bool
    engine: str


@dataclass(frozen=True)
class Counters:
    """Device counters since probe (fpgadma_stats())."""
    completed: int
    dequeued: int
    released: int
    dropped: int
    errors: int
    irqs: int
    bytes: int
    queued: int
    done: int
    user: int
    streaming: int
    #: Episodes in which a flow-controlled source (the dmaengine engine) was
    #: held back for lack of a free buffer, and their total length; None if
    #: the driver or the library cannot tell (FPGADMA_CAP_STARVED).
    starved: Optional[int] = None
    starved_ns: Optional[int] = None


# --- buffers ----------------------------------------------------------------

class Buffer:
    """One filled buffer of the ring, held until release().

    ``data`` is a read-only ``numpy.uint8`` array over the mapped bytes (no
    copy); ``array(dtype)`` the same with another element type. Use it as a
    context manager to release at the end of the block.
    """

    __slots__ = ("_stream", "_view", "_mv", "sequence", "timestamp_ns",
                 "lost_before", "flags", "index", "nbytes", "_base", "__weakref__")

    def __init__(self, stream: "Stream", view: _View) -> None:
        self._stream = stream
        self._view = view
        self.sequence: int = view.sequence
        self.timestamp_ns: int = view.timestamp_ns
        self.lost_before: int = view.lost_before
        self.flags: int = view.flags
        self.index: int = view.index
        self.nbytes: int = view.len
        mem = (ctypes.c_ubyte * view.len).from_address(view.data)
        # The mapping stays while any array made from it lives: the arrays
        # hold this memoryview, it holds mem, mem holds the buffer, the
        # stream and the device (whose close refuses while they live).
        mem._owner = self  # type: ignore[attr-defined]
        self._mv: Optional[memoryview] = memoryview(mem).cast("B").toreadonly()
        # Every array handed out is a view of this one, so it references
        # this one (numpy points a view's base at the first array up the
        # chain that owns its data or whose base is not an array: this).
        self._base: Optional[np.ndarray] = np.frombuffer(self._mv, dtype=np.uint8)

    @property
    def released(self) -> bool:
        """True once given back (or taken back by a stop)."""
        return self._base is None

    @property
    def error(self) -> bool:
        """The device reported an error for this buffer."""
        return bool(self.flags & _VIEW_ERROR)

    @property
    def short(self) -> bool:
        """Fewer bytes than the buffer size arrived."""
        return bool(self.flags & _VIEW_SHORT)

    def __len__(self) -> int:
        return self.nbytes

    def array(self, dtype: "np.typing.DTypeLike" = np.uint8) -> np.ndarray:
        """The data as a read-only 1-D array of dtype (no copy).

        Trailing bytes that do not fill an element are left out. Raises
        ValueError once the buffer was released.
        """
        base = self._base
        if base is None:
            raise ValueError(f"buffer {self.sequence} was released: its data is gone")
        dt = np.dtype(dtype)
        if dt.itemsize == 0:
            raise ValueError("dtype must have a size")
        return base[:self.nbytes // dt.itemsize * dt.itemsize].view(dt)

    @property
    def data(self) -> np.ndarray:
        """The data as a read-only numpy.uint8 array (no copy)."""
        return self.array(np.uint8)

    def _views_alive(self) -> int:
        # memoryview.release() alone cannot tell: numpy's frombuffer()
        # (1.24 and 2.x) takes its own memoryview of the exporter (the
        # array's base is not self._mv, and holds no export on it), so
        # self._mv.release() succeeds under live arrays. Every array made
        # from this buffer references self._base: count those references
        # (ours: the slot, the local and getrefcount()'s argument).
        base = self._base
        return 0 if base is None else sys.getrefcount(base) - 3

    def _drop_view(self) -> None:
        """Invalidate the data; BufferError if arrays still use it."""
        n = self._views_alive()
        if n > 0:
            raise BufferError(
                f"buffer {self.sequence}: {n} numpy array(s) still view its data; "
                "delete them (or copy what you need) before releasing it")
        mv, self._mv, self._base = self._mv, None, None
        if mv is not None:
            mv.release()

    def release(self) -> None:
        """Give the buffer back to the device.

        Raises BufferError (and keeps the buffer) while numpy arrays made
        from it are alive, ValueError if it was released already, and the
        library's errors (e.g. DeviceGoneError).
        """
        if self._base is None:
            raise ValueError(f"buffer {self.sequence} was released already")
        self._drop_view()
        self._stream._held.pop(id(self), None)
        _check(_lib.fpgadma_release(self._stream._device._handle(), ctypes.byref(self._view)),
               "fpgadma_release")

    def __enter__(self) -> "Buffer":
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if self._base is None:
            return
        if exc_type is not None and self._views_alive() > 0:
            # The exception's traceback still holds the arrays: keep the
            # buffer (stop() takes it back) and let that exception through.
            return
        self.release()

    def __repr__(self) -> str:
        state = "released" if self._base is None else "held"
        return (f"<fpgadma.Buffer seq={self.sequence} index={self.index} "
                f"len={self.nbytes} lost_before={self.lost_before} {state}>")


# --- streams ----------------------------------------------------------------

class Stream:
    """A started stream of a Device (Device.stream()); stop() ends it.

    Iterating yields Buffers, each waiting up to the stream's timeout
    (TimeoutError when nothing arrives); the loop ends only by an
    exception or break. Buffers must be released (they are not released by
    the next iteration).
    """

    def __init__(self, device: "Device", timeout: Optional[float]) -> None:
        self._device = device
        self._timeout_ms = _timeout_ms(timeout)
        self._held: Dict[int, Buffer] = {}
        self._active = True

    @property
    def active(self) -> bool:
        """True until stop()."""
        return self._active

    def next(self, timeout: Union[float, None, type(...)] = ...) -> Buffer:
        """Wait for the next filled buffer.

        timeout in seconds: None waits forever, 0 does not wait
        (WouldBlockError); default the stream's. TimeoutError when nothing
        arrived, DeviceGoneError once the device was removed.
        """
        ms = self._timeout_ms if timeout is ... else _timeout_ms(timeout)
        if not self._active:
            raise NotStreamingError(_errno.EPIPE, "the stream was stopped")
        v = _View()
        _check(_lib.fpgadma_next(self._device._handle(), ctypes.byref(v), ms), "fpgadma_next")
        b = Buffer(self, v)
        self._held[id(b)] = b
        return b

    def __iter__(self) -> Iterator[Buffer]:
        return self

    def __next__(self) -> Buffer:
        return self.next()

    def held(self) -> int:
        """How many buffers this stream handed out and not yet released."""
        return len(self._held)

    def stop(self) -> None:
        """Stop streaming: every buffer goes back to the device.

        Buffers still held become released (their data raises ValueError).
        Raises BufferError, and keeps streaming, while numpy arrays made
        from a held buffer are alive. A second stop() does nothing.
        """
        if not self._active:
            return
        busy = [b for b in self._held.values() if b._views_alive() > 0]
        if busy:
            raise BufferError(
                f"{len(busy)} held buffer(s) are still viewed by numpy arrays "
                f"(sequence {busy[0].sequence}, ...); delete them before stopping")
        for b in list(self._held.values()):
            b._drop_view()
        self._held.clear()
        self._active = False
        self._device._stream = None
        _check(_lib.fpgadma_stop(self._device._handle()), "fpgadma_stop")

    def __enter__(self) -> "Stream":
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        try:
            self.stop()
        except (BufferError, Error):
            if exc_type is None:
                raise
            # Another exception is on its way (and its traceback may hold
            # the arrays): that one is the error to see.


# --- devices ----------------------------------------------------------------

class Device:
    """An open fpgadma device (libfpgadma handle). Use fpgadma.open()."""

    def __init__(self, path: Union[str, bytes, os.PathLike, int] = 0, *, copy: bool = False) -> None:
        self._h: Optional[int] = None
        self._stream: Optional[Stream] = None
        self._copy = bool(copy)
        flags = _OPEN_COPY if copy else 0
        h = ctypes.c_void_p()
        if isinstance(path, bool):
            raise TypeError("path must be a path or a device index, not bool")
        if isinstance(path, int):
            if not 0 <= path <= _INT_MAX:
                raise ValueError(f"device index must be >= 0, not {path}")
            _check(_lib.fpgadma_open_index(ctypes.byref(h), path, flags), f"open fpgadma{path}")
        else:
            p = os.fsencode(path)
            if b"\0" in p:
                raise ValueError("path contains a NUL byte")
            _check(_lib.fpgadma_open(ctypes.byref(h), p, flags), f"open {os.fsdecode(p)}")
        self._h = h.value
        self.path = path

    def _handle(self) -> int:
        if self._h is None:
            raise ValueError("the device was closed")
        return self._h

    @property
    def closed(self) -> bool:
        return self._h is None

    def fileno(self) -> int:
        """The handle's fd for poll/select (POLLIN: data); do not use it otherwise."""
        return _check(_lib.fpgadma_fd(self._handle()), "fpgadma_fd")

    @property
    def info(self) -> DevInfo:
        """Device description and current ring geometry."""
        i = _DevInfo()
        _check(_lib.fpgadma_info(self._handle(), ctypes.byref(i)), "fpgadma_info")
        vals = {n: getattr(i, n) for n, _ in _DevInfo._fields_}
        vals["streaming"] = bool(vals["streaming"])
        vals["engine"] = i.engine.decode(errors="replace")
        return DevInfo(**vals)

    def stats(self) -> Counters:
        """The device's counters since probe."""
        c = _Counters()
        _check(_lib.fpgadma_stats(self._handle(), ctypes.byref(c)), "fpgadma_stats")
        vals = {n: getattr(c, n) for n, _ in _Counters._fields_}
        if hasattr(_lib, "fpgadma_starved"):
            ev, ns = ctypes.c_uint64(), ctypes.c_uint64()
            r = _lib.fpgadma_starved(self._handle(), ctypes.byref(ev), ctypes.byref(ns))
            if r != -_errno.EOPNOTSUPP:
                _check(r, "fpgadma_starved")
                vals["starved"], vals["starved_ns"] = ev.value, ns.value
        return Counters(**vals)

    def configure(self, buf_count: int = 0, buf_size: int = 0,
                  memory: Optional[int] = None) -> None:
        """Resize the ring (0 keeps a value; buf_size a page multiple).

        memory: MEM_AUTO, MEM_COHERENT or MEM_CACHED (None: as
        fpgadma_configure(), the driver's default). Not while streaming
        (BusyError).
        """
        h = self._handle()
        n, s = _u32(buf_count, "buf_count"), _u32(buf_size, "buf_size")
        if memory is None:
            _check(_lib.fpgadma_configure(h, n, s), "fpgadma_configure")
        else:
            _check(_lib.fpgadma_configure_memory(h, n, s, _u32(memory, "memory")),
                   "fpgadma_configure_memory")

    @property
    def memory(self) -> str:
        """The ring memory kind: "coherent" or "cached"."""
        m = _check(_lib.fpgadma_memory(self._handle()), "fpgadma_memory")
        return _MEM_NAMES.get(m, str(m))

    def stream(self, timeout: Optional[float] = None) -> Stream:
        """Start streaming; timeout (seconds, None: forever) for iteration."""
        h = self._handle()
        if self._stream is not None:
            raise BusyError(_errno.EBUSY, "this device streams already")
        s = Stream(self, timeout)
        _check(_lib.fpgadma_start(h), "fpgadma_start")
        self._stream = s
        return s

    def read(self, size: int, timeout: Optional[float] = None) -> bytes:
        """Copy mode (open(copy=True)): up to size bytes of data, in order."""
        if isinstance(size, bool) or not isinstance(size, int):
            raise TypeError("size must be an int")
        if size <= 0:
            raise ValueError("size must be > 0")
        buf = ctypes.create_string_buffer(size)
        n = _check(_lib.fpgadma_read(self._handle(), buf, size, _timeout_ms(timeout)),
                   "fpgadma_read")
        return buf.raw[:n]

    def close(self) -> None:
        """Stop the stream (see Stream.stop()) and close the handle.

        Raises BufferError, and closes nothing, while numpy arrays view a
        held buffer. A second close() does nothing.
        """
        if self._h is None:
            return
        if self._stream is not None:
            try:
                self._stream.stop()
            except Error:
                pass  # e.g. the device is gone: close anyway
            self._stream = None
        h, self._h = self._h, None
        _check(_lib.fpgadma_close(h), "fpgadma_close")

    def __enter__(self) -> "Device":
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        try:
            self.close()
        except (BufferError, Error):
            if exc_type is None:
                raise

    def __del__(self) -> None:
        # Never unmap under live arrays: if they still exist the handle
        # is left open (a leak, not a crash).
        try:
            self.close()
        except Exception:
            pass

    def __repr__(self) -> str:
        return f"<fpgadma.Device {self.path!r}{' closed' if self._h is None else ''}>"


def open(path: Union[str, bytes, os.PathLike, int] = 0, *, copy: bool = False) -> Device:  # noqa: A001
    """Open a device node ("/dev/fpgadma0") or an index (0: /dev/fpgadma0).

    copy=True opens in copy mode (Device.read() only). NoDeviceError
    (ENOENT), PermissionError (EACCES), Error with ENOTTY for a file that
    is not an fpgadma device.
    """
    return Device(path, copy=copy)
