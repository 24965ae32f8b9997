"""The recently-edited-code source (setting ``retrieval_recent_edits``): the lines the user last changed in
other files, as Copilot and Continue put them into the prompt. See ``source.py``."""
