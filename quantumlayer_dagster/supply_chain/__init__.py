"""Dependencies of a project: licences, advisories, package index, SBOM, audit."""
