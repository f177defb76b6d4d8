"""dpa-guard's own checkov checks for the ARM templates `dpaguard arm` renders.

Loaded by checkov (`--external-checks-dir policies/checkov`, in checkov's own environment,
.tools/checkov) only; dpaguard never imports these modules, it reads them (ids, names,
clauses) with `ast` (dpaguard/arm/checks.py). One check per file, id `CKV_DPA_<n>`, the
clause ids it serves at the end of its name, in the order the matching CrossGuard policy
cites them. skips.yaml lists the built-in checks that do not apply to this design;
builtin_clauses.yaml the clauses each applicable built-in check evidences.
"""
