"""casemgmt_project.progress: one tqdm line, also through a management command's stderr."""

from io import StringIO

from django.core.management.base import OutputWrapper

from casemgmt_project.progress import ProgressBar


class Terminal(StringIO):
    def isatty(self) -> bool:
        return True


def test_a_bar_drawn_through_a_commands_output_wrapper_redraws_one_line():
    stream = Terminal()
    bar = ProgressBar("records", OutputWrapper(stream))
    for done in range(0, 101, 10):
        bar(done, 100)
    drawn = stream.getvalue()
    assert "100/100" in drawn
    # The wrapper would end every redraw with a newline; the bar writes to the stream itself.
    assert drawn.count("\n") <= 1
    assert bar.started


def test_no_bar_is_drawn_when_the_stream_is_not_a_terminal():
    stream = StringIO()
    bar = ProgressBar("records", OutputWrapper(stream))
    for done in range(0, 101, 50):
        bar(done, 100)
    assert stream.getvalue() == ""
