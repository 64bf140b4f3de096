// Consumer check 4: CommonJS. Node 20.19+ and 22.12+ can require() an ES module without top-level await.
const dt = require('deeptype');
console.log(JSON.stringify({ sum: dt.tensor([1, 2, 3]).add(1).sum().toArray(), layers: typeof dt.layers.Dense }));
