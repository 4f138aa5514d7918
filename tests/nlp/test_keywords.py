"""Keywords: TF-IDF over the engine's tokenizer, place and disaster words kept whole."""
from nlp.keywords import extract_keywords
from nlp.segment import tokenize


def test_engine_dictionaries_keep_places_and_vocabulary_whole():
    words = tokenize("深圳市龙华区民治街道白石龙社区被困，水到胸口，大芬油画村也内涝了")
    for word in ("龙华区", "民治街道", "白石龙社区", "水到胸口", "大芬油画村", "内涝"):
        assert word in words


def test_keywords_rank_distinctive_words():
    keys = extract_keywords("龙城街道城市更新项目签约率不足，开发商要求政府介入，城市更新停滞三年")
    assert keys[0] == "城市更新"
    assert "龙城街道" in keys and "开发商" in keys


def test_k_limits_and_no_numbers_or_stopwords():
    keys = extract_keywords("暴雨 暴雨 内涝 3栋 12楼 2024年 的 了 大家 被困 求救 民治街道 转发", k=4)
    assert len(keys) == 4 and keys[0] == "暴雨"
    assert not any(k in ("3栋", "12楼", "2024年", "的", "大家", "转发") for k in keys)


def test_empty_text():
    assert extract_keywords("") == [] and extract_keywords("！！！") == []


def test_long_text():
    keys = extract_keywords("暴雨内涝民治街道。" * 100_000)
    assert "民治街道" in keys


def test_user_words_and_user_dict_from_config(tmp_path):
    from nlp import segment
    from yuqing.config import load_config

    (tmp_path / "words.txt").write_text("锦鲤湾花苑 100000\n", encoding="utf-8")
    config_file = tmp_path / "config.yaml"
    config_file.write_text(f"nlp:\n  user_words: [蓝鲸小区]\n  user_dict: {tmp_path / 'words.txt'}\n",
                           encoding="utf-8")
    text = "蓝鲸小区和锦鲤湾花苑都进水了"
    try:
        segment.configure(load_config(config_file, required=True))
        words = segment.tokenize(text)
        assert "蓝鲸小区" in words and "锦鲤湾花苑" in words
    finally:
        segment.configure(load_config(None))
    assert "蓝鲸小区" not in segment.tokenize(text)


def test_missing_user_dict_names_the_setting(tmp_path):
    import pytest
    from nlp import segment
    from yuqing.config import load_config
    from yuqing.errors import ConfigError

    with pytest.raises(ConfigError, match="nlp.user_dict"):
        segment.configure(load_config(None, [f"nlp.user_dict={tmp_path / 'absent.txt'}"]))
