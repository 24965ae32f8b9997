import argparse

from aix_lsp.config import Settings, add_setting_flags, apply_settings, settings_from_args


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
