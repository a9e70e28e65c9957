"""The receipts that share a read's kernel stamp with a later frame are counted, exactly.

Through the real client, poller state and ledger over loopback TCP pairs
(``bench.receive_path.ReceiveRig``): a read of k frames stamps all of them
with the read's stamp, and the k - 1 before the last may be early, so the
ledger counts k - 1 ``shared_stamp`` receipts per read, and none for reads of
one frame; a read that ends inside a later frame is stamped by that frame's
segment, so all k of its frames count.
"""

from __future__ import annotations

import pytest

from bench.receive_path import ReceiveRig, room_frame


def _shared(rig: ReceiveRig) -> int:
    return sum(b.shared_stamp for b in rig.recorder.buckets.values())


@pytest.mark.parametrize(("frames_per_read", "rounds"), [(1, 5), (4, 3), (16, 2)])
def test_every_frame_but_the_last_of_a_read_is_counted(frames_per_read: int, rounds: int) -> None:
    rig = ReceiveRig(clients=3, frames_per_read=frames_per_read)
    try:
        for _ in range(rounds):
            rig.write()
            rig.read()
        assert rig.delivered() == 3 * frames_per_read * rounds
        assert _shared(rig) == 3 * (frames_per_read - 1) * rounds
        stats = rig.recorder.receive_stats
        assert not stats.shared  # reset after each read
        assert stats.multi_frame_reads == (3 * rounds if frames_per_read > 1 else 0)
    finally:
        rig.close()


def test_a_read_ending_inside_a_later_frame_counts_all_its_frames() -> None:
    rig = ReceiveRig(clients=1, frames_per_read=3)
    try:
        rig.write()
        [(_client, server)] = rig._pairs
        server.sendall(room_frame(9999, 999, 0)[:5])  # the head of a fourth frame
        rig.read()
        assert rig.delivered() == 3
        assert _shared(rig) == 3
    finally:
        rig.close()
