"""Column widths measured from the writer's prepared cells equal those measured from the frame."""

import numpy as np
import pandas as pd

from parkcrm.io.writer import SheetSpec, _first_line_widths, column_widths, display_width


def test_mixed_object_column_is_measured_as_pandas_text():
    floats = [1e20, -0.1, 123456.789, 1 / 3, 2.0, 5e-324]
    frame = pd.DataFrame({0: pd.Series(["合计", 7, None, np.nan, *floats], dtype=object)})
    spec = SheetSpec("汇总", frame, header=False)
    as_text = [None if v is None or v != v else v if isinstance(v, str) else str(v) for v in frame[0].tolist()]
    assert column_widths(spec, texts={0: as_text}) == column_widths(spec)
    assert [str(v) for v in floats] == pd.Series(floats, dtype=object).astype("string").tolist()


def test_first_line_widths_match_display_width():
    texts = ["东部产业片区", "A1\n第二行很长很长", "", "（元）", "😀x", "\n中"]
    assert _first_line_widths(texts).tolist() == [display_width(t.split("\n", 1)[0]) for t in texts]
