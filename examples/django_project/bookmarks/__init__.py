"""The bookmarks app: rapyer documents behind plain (blocking) Django views."""
