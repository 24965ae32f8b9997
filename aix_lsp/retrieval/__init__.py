"""The BM25 window source: crawl results chunked into windows, a persisted BM25 (tantivy) index per
workspace folder (``index.FolderIndex``, made by the workspace through ``index.folder_index``), and
``source.WindowSource``, which searches every folder's index for windows like the code above the cursor.
"""
