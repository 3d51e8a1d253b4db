// What a stylesheet import is in the unit tests (jest.config.js): nothing; Vite bundles the real ones.
module.exports = {};
