"""Hypothesis strategies shared by the interop tests: JSON trees made of FHIR-looking keys and values."""

from __future__ import annotations

from hypothesis import strategies as st

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.floats(allow_nan=True) |
    st.sampled_from(["1825-9", "84413-4", "69548-6", "http://loinc.org", "mg/dL", "final", "<", "PI*ZZ",
                     "NM_000295.5:c.1096G>A", "LA6706-1", "U/L", "rs28929474", "Bundle", "Observation", "Condition",
                     "MedicationRequest", "13645005", "http://snomed.info/sct", "active", "Prolastin"]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(
        st.sampled_from(["resourceType", "code", "coding", "system", "valueQuantity", "value", "unit", "status",
                         "component", "valueCodeableConcept", "text", "entry", "resource", "subject", "reference",
                         "comparator", "effectiveDateTime", "clinicalStatus", "condition", "selections",
                         "medicationCodeableConcept", "id", "birthDate"]),
        children, max_size=4),
    max_leaves=12)
