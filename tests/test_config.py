import argparse

from aix_lsp.config import MIN_PROMPT_TOKENS, Settings, add_setting_flags, apply_settings, relation_errors, settings_from_args


def test_flat_mapping_applies_known_keys_and_names_bad_ones():
    s, errors = apply_settings(Settings(), {"model": "/m", "max_new_tokens": 16, "device": "cpu", "bogus": 1, "retrieval_top_k": "many"}, "initializationOptions")
    assert (s.model, s.max_new_tokens, s.device) == ("/m", 16, "cpu")
    assert s.retrieval_top_k == Settings().retrieval_top_k
    assert any("'bogus'" in e and "unknown" in e for e in errors)
    assert any("'retrieval_top_k'" in e for e in errors)
    assert len(errors) == 2


def test_camel_case_keys_and_type_checks():
    s, errors = apply_settings(Settings(), {"maxNewTokens": 8, "enabledLanguages": ["python"], "kvCache": "false"})
    assert errors == []
    assert s.max_new_tokens == 8 and s.enabled_languages == ("python",) and s.kv_cache is False
    s, errors = apply_settings(Settings(), {"max_new_tokens": 0, "quantization": "2bit", "enabled": "maybe", "max_context_tokens": True})
    assert len(errors) == 4 and s == Settings()


def test_non_object_settings_are_rejected_with_a_message():
    s, errors = apply_settings(Settings(), ["model"], "workspace/didChangeConfiguration")
    assert s == Settings() and "expected an object" in errors[0]
    assert apply_settings(Settings(), None) == (Settings(), [])


def test_cli_flags_use_the_same_names():
    parser = argparse.ArgumentParser()
    add_setting_flags(parser)
    args = parser.parse_args(["--model", "/m", "--max-new-tokens", "12", "--no-retrieval", "--enabled-languages", "python,java"])
    s, errors = settings_from_args(args)
    assert errors == []
    assert (s.model, s.max_new_tokens, s.retrieval, s.enabled_languages) == ("/m", 12, False, ("python", "java"))


def test_language_switches():
    s = Settings(enabled_languages=("python",), disabled_languages=())
    assert s.language_enabled("python") and not s.language_enabled("java")
    s = Settings(disabled_languages=("java",))
    assert not s.language_enabled("java") and s.language_enabled(None)
    assert not Settings(enabled=False).language_enabled("python")


def test_context_must_leave_room_for_a_prompt():
    base = Settings(max_context_tokens=4096, max_new_tokens=64)
    for source, mapping in (("initializationOptions", {"max_context_tokens": 200, "max_new_tokens": 256}),
                            ("workspace/didChangeConfiguration", {"maxContextTokens": 100}),  # too close to 64
                            ("workspace/didChangeConfiguration", {"max_new_tokens": 4000, "device": "cpu"})):
        s, errors = apply_settings(base, mapping, source)
        assert (s.max_context_tokens, s.max_new_tokens) == (4096, 64)  # the previous valid pair stays
        assert len(errors) == 1, errors
        assert errors[0].startswith(source) and "max_context_tokens" in errors[0] and "max_new_tokens" in errors[0]
        assert "keeping max_context_tokens=4096, max_new_tokens=64" in errors[0]
    s, errors = apply_settings(base, {"max_new_tokens": 4000, "device": "cpu"})
    assert s.device == "cpu"  # the settings outside the broken relation still apply
    s, errors = apply_settings(base, {"max_context_tokens": 64 + MIN_PROMPT_TOKENS, "max_new_tokens": 64})
    assert errors == [] and s.max_context_tokens == 64 + MIN_PROMPT_TOKENS


def test_cli_refuses_a_broken_relation_naming_both_flags():
    parser = argparse.ArgumentParser()
    add_setting_flags(parser)
    s, errors = settings_from_args(parser.parse_args(["--max-context-tokens", "300", "--max-new-tokens", "256"]))
    assert len(errors) == 1 and "command line" in errors[0]
    assert "max_context_tokens (300)" in errors[0] and "max_new_tokens (256)" in errors[0]
    assert relation_errors(Settings()) == []


def test_messages_can_use_the_clients_names_for_settings():
    """The VS Code extension's users know aix.maxContextTokens, not initializationOptions' max_context_tokens."""
    from aix_lsp.config import vscode_setting_name

    assert vscode_setting_name("max_context_tokens") == "aix.maxContextTokens"
    _, errors = apply_settings(Settings(), {"max_context_tokens": 200, "max_new_tokens": 100, "retrieval_top_k": "x", "bogus_key": 1},
                               "VS Code settings", vscode_setting_name)
    assert len(errors) == 3
    assert "VS Code settings: unknown setting aix.bogusKey" in errors
    assert "VS Code settings: setting aix.retrievalTopK ignored: expected an integer, got 'x'" in errors
    relation = [e for e in errors if "must exceed" in e][0]
    assert relation.startswith("VS Code settings: aix.maxContextTokens (200) must exceed aix.maxNewTokens (100)")
    assert "keeping aix.maxContextTokens=16384, aix.maxNewTokens=256" in relation
    assert "max_context_tokens" not in " ".join(errors) and "initializationOptions" not in " ".join(errors)
