// `npm start` and `npm test` run this first (plain JavaScript: it runs before anything is built). On a
// Node.js older than package.json's engines.node it stops them with the version found, the one needed and
// how to get it; npm itself only warns about engines, and an older Node would fail later without saying why
// (before 22.12, Node 22 cannot require() an ES module, and jose 6 is one).
const { engines } = require('../package.json');

const parts = (v) => v.replace(/^v/, '').split('.').map(Number);

/** What is wrong with running on `version` (e.g. 'v20.20.2') under `range` ('>=22.12'), or undefined when nothing is. */
function nodeProblem(version, range) {
  const needed = /^>=\s*(\d+(?:\.\d+){0,2})$/.exec(range.trim());
  if (!needed) return `package.json engines.node must read ">=<version>", not "${range}"`;
  const have = parts(version);
  const want = parts(needed[1]);
  for (let i = 0; i < want.length; i++) {
    if ((have[i] ?? 0) > want[i]) return undefined;
    if ((have[i] ?? 0) < want[i]) {
      const major = want[0];
      return [
        `This project runs on Node.js ${needed[1]} or later (package.json engines.node "${range}"; Azure Functions runs it on Node.js ${major}); this is Node.js ${version}.`,
        `Get Node.js ${major}: export PATH="$(bash .ci/get-node):$PATH" (the official binaries from the npm registry, into .local/node), or nvm install ${major}.`,
      ].join('\n');
    }
  }
  return undefined;
}

module.exports = { nodeProblem };

if (require.main === module) {
  const problem = nodeProblem(process.version, engines.node);
  if (problem) {
    console.error(problem);
    process.exit(1);
  }
}
