"""Running a project's tests in the sandbox and reading their reports; test repair."""
