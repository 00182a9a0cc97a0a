"""The standard vocabularies, as OWL-RL materialises them from the alignment axioms.

One test per requirement, each a SPARQL query over the reasoned graph.
"""

from __future__ import annotations


def test_every_membership_is_an_org_membership_with_member_organization_and_interval(ask):
    rows = ask("""
        SELECT ?m WHERE {
          ?m a csto:Membership .
          FILTER NOT EXISTS {
            ?m a org:Membership ; org:member ?who ; org:organization ?org ; org:memberDuring ?i .
            ?i a time:Interval ; time:hasBeginning ?b .
            ?b a time:Instant .
            ?b time:inXSDDate|time:inXSDgYearMonth|time:inXSDgYear ?v .
          }
        }""")
    assert rows == []
    assert len(ask("SELECT ?m WHERE { ?m a org:Membership }")) >= 20


def test_interval_ends_are_instants_with_an_xsd_value(ask):
    rows = ask("""
        SELECT ?i ?e WHERE {
          ?m a csto:Membership ; org:memberDuring ?i .
          ?i time:hasEnd ?e .
          FILTER NOT EXISTS { ?e a time:Instant ; time:inXSDDate|time:inXSDgYearMonth|time:inXSDgYear ?v }
        }""")
    assert rows == []


def test_dates_keep_the_source_precision(ask):
    # Belarus acceded in "1993": the instant is a year, not an invented day.
    rows = ask("""
        SELECT ?value (DATATYPE(?value) AS ?type) WHERE {
          ?m a org:Membership ; org:member kg:belarus ; org:role csto:TreatyParty ;
             org:memberDuring/time:hasBeginning ?b .
          ?b time:inXSDgYear ?value .
          FILTER NOT EXISTS { ?b time:inXSDDate ?day }
        }""")
    assert [r["value"] for r in rows] == ["1993"]
    assert rows[0]["type"].endswith("#gYear")


def test_csto_is_a_formal_organization_and_organs_are_sub_organizations(ask):
    assert ask("ASK { kg:csto a org:FormalOrganization }") is True
    organs = {r["organ"] for r in ask("SELECT ?organ WHERE { ?organ org:subOrganizationOf kg:csto }")}
    for organ in (
        "collective-security-council",
        "council-of-foreign-ministers",
        "csto-parliamentary-assembly",
        "csto-joint-staff",
        "collective-rapid-reaction-force",
        "csto-peacekeeping-force",
    ):
        assert f"https://w3id.org/csto-kg/id/{organ}" in organs
    assert ask("ASK { kg:csto org:hasSubOrganization kg:csto-joint-staff }") is True


def test_posts_are_org_posts_with_post_in_and_held_by(ask):
    rows = ask("""
        SELECT ?post ?holder WHERE {
          ?post a org:Post ; org:postIn ?org ; org:heldBy ?holder .
        }""")
    holders = {(r["post"].rsplit("/", 1)[1], r["holder"].rsplit("/", 1)[1]) for r in rows}
    assert ("secretary-general", "stanislav-zas") in holders
    assert ("chief-of-joint-staff", "andrey-serdyukov") in holders
    assert ask("ASK { kg:imangali-tasmagambetov org:holds kg:secretary-general }") is True


def test_every_event_is_a_sem_event_with_actor_and_time_stamp(ask):
    rows = ask("""
        SELECT ?e WHERE {
          ?e a csto:Event .
          FILTER NOT EXISTS { ?e a sem:Event ; sem:hasActor ?a ; sem:hasTimeStamp ?t . FILTER(isLiteral(?t)) }
        }""")
    assert rows == []
    assert ask('ASK { ev:1992-05-15-treaty-signed sem:hasActor kg:armenia ; sem:hasTimeStamp "1992-05-15"^^xsd:date }')


def test_event_places_are_sem_places(ask):
    rows = ask("SELECT ?e ?p WHERE { ?e csto:place ?p . FILTER NOT EXISTS { ?e sem:hasPlace ?p . ?p a sem:Place } }")
    assert rows == []


def test_every_entity_has_an_english_label(ask):
    rows = ask("""
        SELECT ?x WHERE {
          ?x a csto:Entity .
          FILTER NOT EXISTS { ?x rdfs:label ?l . FILTER(lang(?l) = "en") }
        }""")
    assert rows == []
    assert len(ask("SELECT ?x WHERE { ?x a csto:Entity }")) > 50


def test_every_fact_bearing_node_is_derived_from_a_section_of_a_source(ask):
    rows = ask("""
        SELECT ?f WHERE {
          { ?f a csto:Membership } UNION { ?f a csto:Tenure } UNION { ?f a csto:Event } UNION { ?f a csto:ObserverStatus }
          FILTER NOT EXISTS { ?f prov:wasDerivedFrom/dcterms:isPartOf ?source . ?source a csto:Source }
        }""")
    assert rows == []
    assert ask("ASK { fact:membership-belarus-1993 a prov:Entity ; prov:wasDerivedFrom src:wikipedia-foundation }")


def test_links_are_same_as_in_their_own_graph_and_never_duplicate_answers(ask, named):
    in_links = ask("""
        SELECT (COUNT(*) AS ?n) WHERE { GRAPH <https://w3id.org/csto-kg/graph/links> { ?s owl:sameAs ?o } }""")
    assert in_links[0]["n"] >= 50
    elsewhere = ask("""
        SELECT ?s ?o WHERE { GRAPH ?g { ?s owl:sameAs ?o } FILTER(?g != <https://w3id.org/csto-kg/graph/links>) FILTER(?s != ?o) }""")
    assert elsewhere == []
    # The Wikidata IRI of Russia carries no copied facts, so no answer lists Russia twice.
    assert ask("ASK { <http://www.wikidata.org/entity/Q159> a csto:State }") is False
    members = named("members", date="2020-01-01")
    assert len({r["state"] for r in members}) == len(members) == 6
