"""Interoperability: FHIR R4 (HL7 Genomics Reporting IG 3.0.0) in and out, and CDS Hooks services.

* :mod:`aatd.interop.codes` - every FHIR code aatd uses, loaded from cited tables;
* :mod:`aatd.interop.fhir_out` - results and aatd's interpretation (or the conflict of the results) as an R4
  Bundle, and a workspace record with every stored result;
* :mod:`aatd.interop.fhir_in` - a Bundle or Observations read back into aatd's inputs;
* :mod:`aatd.interop.cds_hooks` - the CDS Hooks services (discovery and cards), transport-free.

Core only: nothing here imports the web app, the CLI or an HTTP library.
"""

from aatd.interop.fhir_in import FhirImport, ResultInputs, read_results
from aatd.interop.fhir_out import (
    PatientInfo,
    RecordedResult,
    family_bundle,
    inputs_from_text,
    pedigree_bundle,
    record_bundle,
    results_bundle,
)

__all__ = ["FhirImport", "PatientInfo", "RecordedResult", "ResultInputs", "family_bundle", "inputs_from_text",
           "pedigree_bundle", "read_results", "record_bundle", "results_bundle"]
