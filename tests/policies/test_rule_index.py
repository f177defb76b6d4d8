"""ParsedRules.covering finds a lifecycle rule for a container by prefix, as a scan of every rule would."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from policies.stack import ParsedRule, ParsedRules

_NAMES = st.text(alphabet="ab-/", max_size=5)
_RULES = st.lists(
    st.builds(ParsedRule, blob_types=st.just(frozenset({"blockBlob"})),
              prefixes=st.none() | st.lists(_NAMES, max_size=3).map(tuple),
              base=st.none() | st.integers(1, 9).map(float), version=st.none(), snapshot=st.none()),
    max_size=8,
)


@settings(max_examples=400, deadline=None)
@given(_RULES, _NAMES)
def test_covering_is_every_rule_whose_prefix_takes_in_the_container(rules, container):
    indexed = ParsedRules(rules)
    # the definition: no prefixes covers the account; else some prefix starts "container/"
    expected = [r for r in rules if r.prefixes is None or any(f"{container}/".startswith(p) for p in r.prefixes)]
    found = indexed.covering(container)
    assert {id(r) for r in found} == {id(r) for r in expected}
    assert all(any(r is f for f in found) for r in expected)


def test_the_literal_cases():
    everywhere = ParsedRule(frozenset({"blockBlob"}), None, 30.0, None, None)
    one = ParsedRule(frozenset({"blockBlob"}), ("ecg-lie/",), 365.0, None, None)
    broad = ParsedRule(frozenset({"blockBlob"}), ("ecg-",), 10.0, None, None)
    empty = ParsedRule(frozenset({"blockBlob"}), ("",), 5.0, None, None)
    rules = ParsedRules([everywhere, one, broad, empty])
    assert {id(r) for r in rules.covering("ecg-lie")} == {id(everywhere), id(one), id(broad), id(empty)}
    assert {id(r) for r in rules.covering("ecg-lien")} == {id(everywhere), id(broad), id(empty)}
    assert {id(r) for r in rules.covering("ous")} == {id(everywhere), id(empty)}
