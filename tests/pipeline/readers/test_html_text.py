"""The extraction time limit, where Python swallows the exception its timer raises."""

import time

import pytest

from pipeline.readers.html_text import ExtractorTimeout, TimeLimit


class SlowToDie:
    """An object whose finaliser outlasts the limit: Python ignores an exception raised in a __del__, as in the
    weakref callbacks of resiliparse's DOM nodes."""

    def __del__(self):
        time.sleep(0.3)


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_timeout_lost_in_a_finaliser_still_ends_the_block_as_a_timeout():
    limit = TimeLimit(0.05)
    with pytest.raises(ExtractorTimeout), limit:
        SlowToDie()  # dies at once, sleeping past the limit inside __del__
    limit.release()
    with limit:  # the next page starts afresh
        pass
    limit.release()
