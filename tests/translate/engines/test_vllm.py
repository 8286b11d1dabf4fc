"""The vllm engine with a stand-in client: the prompt it sends, the answers it parses, the retry it asks for."""

import pytest

from translate.engines.vllm import PROMPT, engine, parse_answer


class StandIn:
    """vLLM's side of the client: records the prompts and settings, answers from a table."""

    def __init__(self, answers: dict[str, tuple[str, str]]):
        self.answers, self.sent = answers, []

    def complete(self, prompts: list[str], settings: dict) -> list[tuple[str, str]]:
        self.sent.append((prompts, settings))
        return [self.answers[prompt.rsplit("\n\n", 1)[1]] for prompt in prompts]

    def count_tokens(self, text: str) -> int:
        return len(text.split())


def test_the_prompt_names_both_languages_and_ends_with_the_segment():
    client = StandIn({"The sun is hot.": ("Le soleil est chaud.", "stop")})
    [translation] = engine(client, "mistral-7b-instruct", {}).translate(["The sun is hot."], "en", "fr")
    (prompts, settings), = client.sent
    assert prompts == [PROMPT.format(source="English", target="French", text="The sun is hot.")]
    assert "English" in prompts[0] and "French" in prompts[0]
    assert settings == {"temperature": 0.0, "max_tokens": 512, "repetition_penalty": 1.0}
    assert (translation.text, translation.status, translation.tokens) == ("Le soleil est chaud.", "ok", 4)


@pytest.mark.parametrize(("answer", "source"), [
    ("Le soleil est chaud.", "The sun is hot."),
    ("  Le soleil est chaud.\n", "The sun is hot."),
    ("Translation: Le soleil est chaud.", "The sun is hot."),
    ("Here is the French translation:\n\nLe soleil est chaud.", "The sun is hot."),
    ("French: Le soleil est chaud.", "The sun is hot."),
    ('"Le soleil est chaud."', "The sun is hot."),
    ("« Le soleil est chaud. »", "The sun is hot."),
    ("```\nLe soleil est chaud.\n```", "The sun is hot."),
    ("Le soleil est chaud.\n\n(Note: « chaud » can also mean warm.)", "The sun is hot."),
])
def test_what_models_wrap_around_a_translation_is_taken_off(answer, source):
    assert parse_answer(answer, source, "French") == "Le soleil est chaud."


def test_what_the_source_has_is_kept():
    assert parse_answer('"Bonjour", dit-il.', '"Hello", he said.', "French") == '"Bonjour", dit-il.'
    two_lines = "Note: lisez ceci.\nPuis cela."
    assert parse_answer(two_lines, "Note: read this.\nThen that.", "French") == two_lines


def test_a_cut_answer_an_empty_one_and_the_retry():
    client = StandIn({"One.": ("Un un un un", "length"), "Two.": ("", "stop")})
    llm = engine(client, "m", {})
    assert [(t.text, t.status) for t in llm.translate(["One.", "Two."], "en", "fr")] == [
        ("Un un un un", "cut"), ("", "empty")]
    safer = llm.safer()
    safer.translate(["One."], "en", "fr")
    assert client.sent[-1][1]["repetition_penalty"] == 1.1 and safer.safer() is None
    assert safer.settings()["prompt"] == llm.settings()["prompt"]
