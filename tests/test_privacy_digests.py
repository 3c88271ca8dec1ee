"""A SHA-256 shown to the user (说明 sheets, JSON `sha256`, run manifests) is never masked, however its
hex digits happen to fall; a number beside it still is.

About 2 in 100 digests hold a run like 13812345678 between their letters: masked, the digest no longer
matched the file, and `parkcrm run` re-did a month it had already done (seen as a flaky test).
"""

from __future__ import annotations

import hashlib
import json

import pandas as pd

from parkcrm.core.privacy import mask_json_data, mask_json_text, mask_series, mask_text

# digests that hold a mobile-like run (138 1234 5678) and an ID-like run between hex letters
MOBILE_DIGEST = "ab13812345678cd" + "e" * 49
ID_DIGEST = "f110105194912310021" + "a" * 45


def test_digests_are_kept_and_numbers_beside_them_masked():
    for digest in (MOBILE_DIGEST, ID_DIGEST):
        assert len(digest) == 64
        assert mask_text(digest) == digest
        assert mask_text(f"文件 a.xlsx 的 SHA-256 {digest}，联系 13812345678") == \
            f"文件 a.xlsx 的 SHA-256 {digest}，联系 138****5678"
        assert mask_json_text(json.dumps({"sha256": digest}, ensure_ascii=False)) == json.dumps({"sha256": digest})
        assert mask_json_data({"sha256": digest, "电话": "13812345678"}) == {"sha256": digest, "电话": "138****5678"}
        masked = mask_series(pd.Series([digest, "13812345678", f"{digest} 13812345678"], dtype="string"))
        assert masked.tolist() == [digest, "138****5678", f"{digest} 138****5678"]


def test_real_digests_survive_masking():
    """Every one of 2,000 real digests comes back as it was (some of them hold number-like runs)."""
    digests = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(2000)]
    assert [mask_text(d) for d in digests] == digests
    assert mask_series(pd.Series(digests, dtype="string")).tolist() == digests
