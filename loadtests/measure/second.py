"""One send second's sums at the master, and the compaction that bounds their memory.

A dense HDR histogram (1 µs..60 s, 3 significant digits) is 17,408 counts of
8 bytes: 139,264 bytes. Every second holds up to five (fanout, fanout_plain,
self, lag, reconnect) plus two per (sender rank, receiver rank) pair in split
runs, so keeping them all dense grew the master by 544-680 KiB per second of
run (~400 MiB in 10 minutes). ``Aggregate`` keeps only the newest
``DENSE_SECONDS`` + 1 seconds dense and ``compact``s older ones into hdrh's
compressed encoding; decoding gives back the same counts, min and max, so every
figure is unchanged, and a late delta for a compacted second decodes it back
(correct whenever it arrives: the bound does not rely on when deltas stop).
An encoding is 1.1-7.8 KB for 1,000-200,000 log-normal latencies and at most
about 48 KB (every one of the 17,408 buckets non-zero). Measured RSS growth
(``python -m loadtests.measure.master_memory``, 20,000 deliveries a second, 3
histograms a second): about 472,000 bytes a second of run never compacted, about
28,000 compacted (docs/reports.md, "The master's memory").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hdrh.histogram import HdrHistogram

from loadtests.measure import hdr
from loadtests.measure.accounting import COUNT_NAMES
from loadtests.measure.clocks import ClockTable

SplitPair = tuple[int, int]  # (sender rank, receiver rank)

# Seconds within this many of the newest keep dense histograms: they still get deltas
# (workers report every few seconds; the live tab settles SETTLE_S = 4 s after the drain),
# and the live tab and progress file read them. Older ones cost 0.1 ms a decode when read.
DENSE_SECONDS = 8


@dataclass
class Second:
    """Everything sent in one second, summed over processes (each worker process keeps its
    own ``measure.accounting.RawSecond`` and sends it in deltas).

    Its histograms are dense while it is recent and hdrh's compressed encoding once
    ``compact`` ran (decoding is lossless: the same counts, hence the same figures).
    """

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_NAMES, 0))
    # "fanout" holds every fan-out latency (split ones uncorrected: for live views);
    # "fanout_plain" only those never split, to which ``measured`` adds corrected ones.
    dense: dict[str, HdrHistogram] = field(default_factory=dict)
    packed: dict[str, str] = field(default_factory=dict)
    split_dense: dict[SplitPair, hdr.SignedPair] = field(default_factory=dict)
    split_packed: dict[SplitPair, tuple[str, str]] = field(default_factory=dict)
    clamped: dict[str, hdr.OutOfRange] = field(default_factory=dict)  # by the workers

    def histogram(self, kind: str) -> HdrHistogram:
        """The kind's dense histogram, to add to (decoded back if it was compacted)."""
        found = self.dense.get(kind)
        if found is None:
            packed = self.packed.pop(kind, None)
            found = self.dense[kind] = hdr.decode(packed) if packed else hdr.new_histogram()
        return found

    def read(self, kind: str) -> HdrHistogram | None:
        """The kind's histogram to read only (a compacted one is decoded, not kept)."""
        found = self.dense.get(kind)
        if found is None and kind in self.packed:
            found = hdr.decode(self.packed[kind])
        return found

    def add_split(self, key: SplitPair, pair: hdr.SignedPair) -> None:
        kept = self.split_dense.get(key)
        if kept is None:
            packed = self.split_packed.pop(key, None)
            if packed is None:
                self.split_dense[key] = pair
                return
            kept = self.split_dense[key] = hdr.decode_signed(packed)
        for into, part in zip(kept, pair, strict=True):
            into.add(part)
            hdr.release(part)

    def splits(self) -> list[tuple[SplitPair, hdr.SignedPair]]:
        packed = [(key, hdr.decode_signed(raw)) for key, raw in self.split_packed.items()]
        return list(self.split_dense.items()) + packed

    def is_dense(self) -> bool:
        return bool(self.dense or self.split_dense)

    def compact(self) -> None:
        """Replace the dense histograms by their encodings (empty ones stay present)."""
        for kind, histogram in self.dense.items():
            self.packed[kind] = hdr.encode(histogram)
            hdr.release(histogram)
        for key, (positive, negative) in self.split_dense.items():
            self.split_packed[key] = (hdr.encode(positive), hdr.encode(negative))
            hdr.release(positive)
            hdr.release(negative)
        self.dense.clear()
        self.split_dense.clear()

    def out_of_range(self, kind: str) -> hdr.OutOfRange:
        found = self.clamped.get(kind)
        if found is None:
            found = self.clamped[kind] = hdr.OutOfRange()
        return found

    def corrected_fanout(self, clocks: ClockTable | None) -> tuple[HdrHistogram, hdr.OutOfRange]:
        """Fan-out of this second with each split pair shifted by its clock correction."""
        out = hdr.OutOfRange()
        out.add(self.clamped.get("fanout", hdr.OutOfRange()))
        if not (self.split_dense or self.split_packed):
            return self.read("fanout") or hdr.new_histogram(), out
        total = hdr.new_histogram()
        plain = self.read("fanout_plain")
        if plain is not None:
            total.add(plain)
        for (sender, receiver), pair in self.splits():
            shift_us = clocks.correction_us(sender, receiver) if clocks is not None else 0
            hdr.record_shifted(total, pair, shift_us, out)
        return total, out
