"""Document evidence in the back office (SPEC §5a): each requirement's files on the case page.

`panel` shows the current file inline, earlier versions and the access log; `views` upload a
file through `upload_evidence` and serve a version's bytes through `open_evidence`, which logs
who looked at it. No delete: files go only through the retention service. (No re-exports here:
the case page imports `panel` while `case_actions`, which `views` builds on, is still loading.)
"""
