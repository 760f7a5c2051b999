"""dpfit.runtime.interrupts, in process: an interrupt held inside deferred() is raised when the outermost block ends."""

import pytest

from dpfit.runtime import interrupts
from dpfit.runtime.interrupts import deferred, hold_or_raise


@pytest.fixture(autouse=True)
def clean_state():
    """Each test starts outside every block with nothing held, and leaves it so even when it fails."""
    assert (interrupts._Held.depth, interrupts._Held.pending) == (0, False)
    yield
    interrupts._Held.depth, interrupts._Held.pending = 0, False


def test_outside_a_block_the_interrupt_is_raised_at_once():
    with pytest.raises(KeyboardInterrupt):
        hold_or_raise()


def test_inside_a_block_it_is_held_until_the_block_ends():
    ran = []
    with pytest.raises(KeyboardInterrupt):
        with deferred():
            hold_or_raise()  # returns: the block goes on
            ran.append("after the interrupt")
    assert ran == ["after the interrupt"]
    with deferred():  # nothing is left held for the next block
        pass


def test_two_interrupts_in_a_block_are_one():
    with pytest.raises(KeyboardInterrupt):
        with deferred():
            hold_or_raise()
            hold_or_raise()
    with deferred():
        pass


def test_a_block_without_an_interrupt_raises_nothing():
    with deferred():
        value = 1
    assert value == 1


def test_nested_blocks_raise_at_the_outermost_end():
    ran = []
    with pytest.raises(KeyboardInterrupt):
        with deferred():
            with deferred():
                hold_or_raise()
            ran.append("inner block ended")  # not raised here
            with deferred():
                ran.append("another inner block")
            ran.append("outer block ends")
    assert ran == ["inner block ended", "another inner block", "outer block ends"]


def test_an_error_in_the_block_propagates_as_itself_and_drops_the_interrupt():
    with pytest.raises(ValueError, match="Invalid bounding box"):
        with deferred():
            hold_or_raise()
            raise ValueError("Invalid bounding box")
    with deferred():  # the dropped interrupt does not come back
        pass
    with pytest.raises(KeyboardInterrupt):  # and a new one outside is raised at once
        hold_or_raise()


def test_an_error_in_an_inner_block_keeps_the_interrupt_for_the_outer_end():
    """The error leaves the inner block (depth > 1): the outer block catches it and still ends on the interrupt."""
    with pytest.raises(KeyboardInterrupt):
        with deferred():
            try:
                with deferred():
                    hold_or_raise()
                    raise OSError("inner")
            except OSError:
                pass
    with deferred():
        pass


def test_an_interrupt_raised_inside_the_block_propagates_and_leaves_no_block_open():
    with pytest.raises(KeyboardInterrupt):
        with deferred():
            raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):  # depth is back to 0
        hold_or_raise()
