/* moha theme: site search in the browser, over the index sitegen builds (sitegen/search/).
   No framework, no outside requests: it reads search/<lang>/meta.json, the term shards a query
   needs and the documents it shows, all from this site.

   Folding must stay identical to sitegen/search/fold.py: lower-case, NFD, drop non-spacing marks
   (tones, breve, circumflex, horn), đ → d; terms are runs of letters and digits. So "quoc hoi",
   "Quốc hội", "QUỐC HỘI" and decomposed input all give the terms ["quoc", "hoi"], and "hoà" and
   "hòa" (the tone on either vowel) both give "hoa".

   Ranking, best first: the title holds the query as a phrase; the title holds every term; title,
   summary and tags together hold every term; the text holds every term. Newer above older within
   each rank (documents are numbered oldest first, static pages last). */
(function () {
  "use strict";

  var MARKS = /\p{Mn}/gu;
  var TERM = /[\p{L}\p{N}]+/gu;
  var WORD = /[\p{L}\p{N}\p{M}]+/gu;   /* words in displayed text, marks kept with their letters */
  var B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  var B64V = {};
  for (var c = 0; c < 64; c++) { B64V[B64.charAt(c)] = c; }
  var PAGE = 10;

  function fold(s) {
    return String(s).toLowerCase().normalize("NFD").replace(MARKS, "").replace(/đ/g, "d");
  }
  function terms(s) { return fold(s).match(TERM) || []; }

  /* 32-bit FNV-1a over UTF-16 code units: the shard of a key (index.py: fnv1a). */
  function fnv1a(key) {
    var h = 0x811c9dc5;
    for (var i = 0; i < key.length; i++) {
      h = Math.imul((h ^ key.charCodeAt(i)) >>> 0, 0x01000193) >>> 0;
    }
    return h;
  }

  /* The shard of a key: that of its first word, so a pair sits with its first term (index.py: shard_of). */
  function shardOf(key, shards) { return fnv1a(key.split(" ")[0]) % shards; }

  /* An id set (index.py: encode_ids) as a 0/1 array of n entries: a bitmap ("~" + base64url of
     little-endian bytes) or a VLQ list of gaps. */
  function decode(text, n) {
    var set = new Uint8Array(n);
    if (!text) { return set; }
    var i, v;
    if (text.charAt(0) === "~") {
      var acc = 0, bits = 0, byte = 0;
      for (i = 1; i < text.length; i++) {
        acc = (acc << 6) | B64V[text.charAt(i)];
        bits += 6;
        if (bits >= 8) {
          bits -= 8;
          var value = (acc >> bits) & 255;
          for (var b = 0; b < 8; b++) {
            if ((value >> b) & 1 && byte * 8 + b < n) { set[byte * 8 + b] = 1; }
          }
          byte++;
        }
      }
      return set;
    }
    var prev = -1, val = 0, shift = 0;
    for (i = 0; i < text.length; i++) {
      v = B64V[text.charAt(i)];
      if (v >= 32) { val += (v - 32) * Math.pow(2, shift); shift += 5; }
      else { prev = prev + 1 + val + v * Math.pow(2, shift); set[prev] = 1; val = 0; shift = 0; }
    }
    return set;
  }

  function parse(q) {
    var seq = terms(q), seen = {}, uniq = [], pairs = [];
    for (var i = 0; i < seq.length; i++) {
      if (!seen[seq[i]]) { seen[seq[i]] = 1; uniq.push(seq[i]); }
      if (i > 0) { pairs.push(seq[i - 1] + " " + seq[i]); }
    }
    return { terms: uniq, pairs: pairs };
  }

  /* --- the index ------------------------------------------------------------------------- */

  function Index(base) {
    this.base = base;
    this.files = {};
    this.meta = null;
  }
  Index.prototype.load = function (path, fresh) {
    var url = this.base + path;
    if (!this.files[url]) {
      var self = this;
      this.files[url] = fetch(url, fresh ? { cache: "no-cache" } : {}).then(function (r) {
        if (!r.ok) { throw new Error(url + ": " + r.status); }
        return r.json();
      });
      this.files[url].catch(function () { delete self.files[url]; });
    }
    return this.files[url];
  };
  /* Forget what was fetched: after a new build was published, meta.json names other files. */
  Index.prototype.reset = function () { this.files = {}; this.meta = null; };
  Index.prototype.ready = function () {
    var self = this;
    if (!this.meta) {
      this.meta = this.load("meta.json", true).catch(function (e) { self.meta = null; throw e; });
    }
    return this.meta;
  };

  /* Every match of the query as {seg, id, rank}, best first. filters: {section, year}. */
  Index.prototype.search = function (query, filters) {
    var self = this;
    var q = parse(query);
    if (!q.terms.length) { return Promise.resolve({ query: q, hits: [] }); }
    return this.ready().then(function (meta) {
      var must = q.terms.slice();
      if (filters.section) { must.push("s:" + filters.section); }
      if (filters.year) { must.push("y:" + filters.year); }
      var keys = must.concat(q.pairs);
      var jobs = meta.segments.map(function (seg, k) {
        if (filters.year && (!seg.years.length || filters.year < seg.years[0] || filters.year > seg.years[1])) {
          return Promise.resolve(null);
        }
        var shards = {}, missing = false;
        keys.forEach(function (key, j) {
          var s = shardOf(key, meta.shards);
          if (!seg.i[s]) { if (j < must.length) { missing = true; } return; }
          shards[s] = "i/" + k + "-" + s + "." + seg.i[s] + ".json";
        });
        if (missing) { return Promise.resolve(null); }
        var names = Object.keys(shards);
        return Promise.all(names.map(function (s) { return self.load(shards[s]); })).then(function (parts) {
          var bySlot = {};
          names.forEach(function (s, j) { bySlot[s] = parts[j]; });
          return rank(meta, seg, k, must, q, bySlot);
        });
      });
      return Promise.all(jobs).then(function (lists) {
        var hits = [];
        lists.forEach(function (l) { if (l) { hits = hits.concat(l); } });
        hits.sort(function (a, b) { return b.rank - a.rank || b.seg - a.seg || b.id - a.id; });
        return { query: q, hits: hits };
      });
    });
  };

  function rank(meta, seg, k, must, q, shards) {
    var n = seg.n;
    function entry(key) {
      var shard = shards[shardOf(key, meta.shards)];
      return (shard && shard[key]) || null;
    }
    var all = null, title = null, either = null, phrase = null, i;
    for (var t = 0; t < must.length; t++) {
      var e = entry(must[t]);
      if (!e) { return []; }
      var a = decode(e[0], n);
      var isTerm = t < q.terms.length;
      var ti = isTerm ? decode(e[1] || "", n) : null;
      var su = isTerm ? decode(e[2] || "", n) : null;
      if (!all) {
        all = a;
        title = new Uint8Array(n).fill(1);
        either = new Uint8Array(n).fill(1);
      } else {
        for (i = 0; i < n; i++) { all[i] &= a[i]; }
      }
      if (isTerm) {
        for (i = 0; i < n; i++) { title[i] &= ti[i]; either[i] &= ti[i] | su[i]; }
      }
    }
    phrase = title.slice();
    for (var p = 0; p < q.pairs.length; p++) {
      var pe = entry(q.pairs[p]);
      var pt = decode(pe ? pe[1] || "" : "", n);
      for (i = 0; i < n; i++) { phrase[i] &= pt[i]; }
    }
    var out = [];
    for (i = 0; i < n; i++) {
      if (all[i]) {
        out.push({ seg: k, id: i, rank: phrase[i] ? 4 : title[i] ? 3 : either[i] ? 2 : 1 });
      }
    }
    return out;
  }

  /* The stored row of a hit: [url, title, date text, ISO date, section, summary]. */
  Index.prototype.doc = function (hit) {
    var self = this;
    return this.ready().then(function (meta) {
      var seg = meta.segments[hit.seg];
      var c = Math.floor(hit.id / meta.chunk);
      return self.load("d/" + hit.seg + "-" + c + "." + seg.d[c] + ".json").then(function (rows) {
        return rows[hit.id % meta.chunk];
      });
    });
  };

  /* --- highlighting and excerpts --------------------------------------------------------- */

  /* Spans [start, end) of the words of text whose terms include one of `wanted`. */
  function matches(text, wanted) {
    var out = [], m;
    WORD.lastIndex = 0;
    while ((m = WORD.exec(text)) !== null) {
      var ts = terms(m[0]);
      for (var i = 0; i < ts.length; i++) {
        if (wanted[ts[i]]) { out.push([m.index, m.index + m[0].length]); break; }
      }
    }
    return out;
  }

  /* Append text to el with the matched words in <mark>. */
  function highlight(el, text, spans) {
    var at = 0;
    spans.forEach(function (s) {
      if (s[0] > at) { el.appendChild(document.createTextNode(text.slice(at, s[0]))); }
      var mark = document.createElement("mark");
      mark.textContent = text.slice(s[0], s[1]);
      el.appendChild(mark);
      at = s[1];
    });
    if (at < text.length) { el.appendChild(document.createTextNode(text.slice(at))); }
  }

  /* About `size` characters of text around its first match, cut at spaces. */
  function excerpt(text, wanted, size) {
    text = text.replace(/\s+/g, " ").trim();
    var spans = matches(text, wanted);
    if (!spans.length) { return null; }
    var start = 0, end = text.length;
    if (text.length > size) {
      start = Math.max(0, spans[0][0] - Math.floor(size / 3));
      if (start > 0) { var sp = text.indexOf(" ", start); start = sp >= 0 && sp < spans[0][0] ? sp + 1 : start; }
      end = Math.min(text.length, start + size);
      if (end < text.length) { var e = text.lastIndexOf(" ", end); end = e > spans[0][1] ? e : end; }
    }
    var piece = text.slice(start, end);
    return {
      text: (start > 0 ? "…" : "") + piece + (end < text.length ? "…" : ""),
      spans: matches(piece, wanted).map(function (s) { var d = start > 0 ? 1 : 0; return [s[0] + d, s[1] + d]; })
    };
  }

  /* The text of an article's body, from its own page (same site; the browser caches it). */
  var bodies = {};
  function bodyText(url) {
    if (!bodies[url]) {
      bodies[url] = fetch(url).then(function (r) { return r.ok ? r.text() : ""; }).then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var body = doc.querySelector(".article-body");
        return body ? body.textContent : "";
      }).catch(function () { return ""; });
    }
    return bodies[url];
  }

  /* --- the search page ------------------------------------------------------------------- */

  function format(template, values) {
    return String(template || "").replace(/\{(\w+)\}/g, function (all, k) {
      return Object.prototype.hasOwnProperty.call(values, k) ? values[k] : all;
    });
  }

  function SearchPage(form) {
    this.form = form;
    this.lang = form.getAttribute("data-lang") || document.documentElement.lang || "vi";
    this.index = new Index(form.getAttribute("data-index"));
    this.input = form.querySelector("input[name=q]");
    this.section = form.querySelector("select[name=section]");
    this.year = form.querySelector("select[name=year]");
    this.status = document.querySelector("[data-search-status]");
    this.list = document.querySelector("[data-search-results]");
    this.more = document.querySelector("[data-search-more]");
    this.msg = {};
    var attrs = form.attributes;
    for (var i = 0; i < attrs.length; i++) {
      if (attrs[i].name.indexOf("data-msg-") === 0) { this.msg[attrs[i].name.slice(9)] = attrs[i].value; }
    }
    this.numbers = new Intl.NumberFormat(this.lang);
    this.seq = 0;
    this.hits = [];
    this.shown = 0;
    this.wanted = {};
    this.timer = null;
    var self = this;
    form.addEventListener("submit", function (ev) { ev.preventDefault(); self.run(false); });
    this.input.addEventListener("input", function () {
      clearTimeout(self.timer);
      self.timer = setTimeout(function () { self.run(false); }, 120);
    });
    [this.section, this.year].forEach(function (sel) {
      if (sel) { sel.addEventListener("change", function () { self.run(false); }); }
    });
    if (this.more) {
      this.more.addEventListener("click", function () { self.showMore(true); });
    }
    var params = new URLSearchParams(window.location.search);
    this.input.value = params.get("q") || "";
    if (this.section && params.get("section")) { this.section.value = params.get("section"); }
    if (this.year && params.get("year")) { this.year.value = params.get("year"); }
    if (this.input.value) { this.run(false); }
    else { this.say(this.msg.prompt || ""); }
  }

  SearchPage.prototype.say = function (text) {
    if (this.status.textContent !== text) { this.status.textContent = text; }
  };

  SearchPage.prototype.filters = function () {
    return {
      section: this.section ? this.section.value : "",
      year: this.year && this.year.value ? parseInt(this.year.value, 10) : 0
    };
  };

  SearchPage.prototype.remember = function () {
    var params = new URLSearchParams();
    var f = this.filters();
    if (this.input.value) { params.set("q", this.input.value); }
    if (f.section) { params.set("section", f.section); }
    if (f.year) { params.set("year", String(f.year)); }
    var qs = params.toString();
    try { window.history.replaceState(null, "", window.location.pathname + (qs ? "?" + qs : "")); } catch (e) { /* file: URLs */ }
  };

  SearchPage.prototype.run = function (retry) {
    clearTimeout(this.timer);
    var self = this, seq = ++this.seq, text = this.input.value;
    this.remember();
    if (!terms(text).length) {
      this.hits = [];
      this.list.textContent = "";
      if (this.more) { this.more.hidden = true; }
      this.say(text.trim() ? format(this.msg.none, { q: text.trim() }) : (this.msg.prompt || ""));
      return Promise.resolve();
    }
    this.form.setAttribute("aria-busy", "true");
    return this.index.search(text, this.filters()).then(function (res) {
      if (seq !== self.seq) { return; }
      self.hits = res.hits;
      self.wanted = {};
      res.query.terms.forEach(function (t) { self.wanted[t] = true; });
      self.shown = 0;
      self.list.textContent = "";
      var q = text.trim();
      var n = res.hits.length;
      self.say(format(n === 0 ? self.msg.none : n === 1 && self.msg.one ? self.msg.one : self.msg.count,
                      { n: self.numbers.format(n), q: q }));
      return self.showMore(false);
    }, function () {
      if (seq !== self.seq) { return; }
      if (!retry) {            /* a file of an older build may be gone: start again from meta.json */
        self.index.reset();
        return self.run(true);
      }
      self.say(self.msg.error || "");
    }).then(function () {
      if (seq === self.seq) { self.form.removeAttribute("aria-busy"); }
    });
  };

  SearchPage.prototype.showMore = function (focusFirst) {
    var self = this, seq = this.seq;
    var batch = this.hits.slice(this.shown, this.shown + PAGE);
    var from = this.shown;
    this.shown += batch.length;
    if (this.more) { this.more.hidden = this.shown >= this.hits.length; }
    return Promise.all(batch.map(function (h) { return self.index.doc(h); })).then(function (rows) {
      if (seq !== self.seq) { return; }
      return self.index.ready().then(function (meta) {
        var first = null;
        rows.forEach(function (row, j) {
          var li = self.item(row, meta, from + j + 1);
          self.list.appendChild(li);
          if (!first) { first = li; }
        });
        if (focusFirst && first) { first.querySelector("a").focus(); }
      });
    });
  };

  SearchPage.prototype.item = function (row, meta, n) {
    var url = row[0], title = row[1], dateText = row[2], iso = row[3], section = row[4], summary = row[5];
    var li = document.createElement("li");
    li.className = "search-result";
    li.setAttribute("data-url", url);
    var h = document.createElement("h2");
    h.className = "search-result-title";
    var a = document.createElement("a");
    a.href = url;
    highlight(a, title, matches(title, this.wanted));
    h.appendChild(a);
    li.appendChild(h);
    var info = document.createElement("p");
    info.className = "search-result-meta";
    if (dateText) {
      var time = document.createElement("time");
      time.dateTime = iso;
      time.textContent = dateText;
      info.appendChild(time);
    }
    var sec = section && meta.sections[section];
    if (sec) {
      if (dateText) { info.appendChild(document.createTextNode(" · ")); }
      var sa = document.createElement("a");
      sa.href = sec[1];
      sa.textContent = sec[0];
      info.appendChild(sa);
    }
    if (info.childNodes.length) { li.appendChild(info); }
    var p = document.createElement("p");
    p.className = "search-result-excerpt";
    li.appendChild(p);
    var ex = excerpt(summary, this.wanted, 260);
    if (ex) { highlight(p, ex.text, ex.spans); }
    else {
      p.textContent = summary;
      var wanted = this.wanted, seq = this.seq;
      bodyText(url).then(function (text) {
        var bx = text && excerpt(text, wanted, 260);
        if (bx && seq === this.seq) {
          p.textContent = "";
          highlight(p, bx.text, bx.spans);
        }
      }.bind(this));
    }
    return li;
  };

  window.sitegenSearch = { fold: fold, terms: terms, fnv1a: fnv1a, shardOf: shardOf, decode: decode, Index: Index };

  function init() {
    var form = document.querySelector("form[data-search]");
    if (form) { window.sitegenSearch.page = new SearchPage(form); }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); }
  else { init(); }
})();
