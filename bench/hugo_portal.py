"""Hugo templates that print what a ministry portal page carries: `compare.py --hugo-theme portal`.

The minimal templates compare.py gives Hugo by default print a title, a date, the summary and the
body: 109 MB at 10,000 articles against the 394 MB sitegen's theme prints from the same corpus.
These print what sitegen's default theme prints (../shared/PORTAL.md): the head's Open Graph and
Dublin Core tags, the banner and the menu of sections, breadcrumbs, the date line with the view
count, the sapo, the lead photo with its caption, the body, author, tags and share links, 5
related articles, 3 newer and 5 older ones of the same section, a sidebar with the 10 latest
articles and the sections with their counts, and the footer with the access-counter widget;
listings of 10 cards (thumbnail, title, date, summary) with numbered pagination. Blocks shared by
many pages are cached with `partialCached`, as sitegen's theme caches them with `{% memo %}`.

What still differs: Hugo makes no archive by month or year (sitegen: ~2,000 of its 17,000 pages at
10,000 articles) and no search index (sitegen's takes ~4.4 s of CPU in a child beside the pages);
its photos are plain <img>, sitegen's <picture> with the sizes it made. "portal-norelated" leaves
the related articles out (see RELATED).
"""
from __future__ import annotations

CONFIG = '''baseURL = "https://bench.example.gov.vn/"
languageCode = "vi"
defaultContentLanguage = "vi"
title = "Bộ Nội vụ"
disableKinds = ["robotsTXT"]
[pagination]
pagerSize = 10
[taxonomies]
category = "categories"
tag = "tags"
'''

_ISO = '"2006-01-02T15:04:05-07:00"'

# Hugo's own related-content lookup (`.Related`, its default indices): ~18–20 s of a 28–30 s clean
# build at 10,000 articles here, so the "portal-norelated" flavour leaves it out to show the rest.
RELATED = '''{{ with first 5 (site.RegularPages.Related .) }}
<section class="more related"><h2 class="block-title">Tin liên quan</h2>
<ul class="news-list">{{ range . }}{{ partialCached "item.html" . .RelPermalink }}{{ end }}</ul></section>
{{ end }}
'''

_LAYOUTS = {
    "_default/baseof.html": '''<!DOCTYPE html>
<html lang="vi" dir="ltr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ if .IsHome }}{{ site.Title }}{{ else }}{{ .Title }} - {{ site.Title }}{{ end }}</title>
<meta name="description" content="{{ with .Params.summary }}{{ . }}{{ else }}Cổng thông tin điện tử {{ site.Title }}{{ end }}">
<link rel="canonical" href="{{ .Permalink }}">
{{ partialCached "head.html" . }}
<meta property="og:title" content="{{ .Title }}">
<meta property="og:type" content="{{ if .IsPage }}article{{ else }}website{{ end }}">
<meta property="og:url" content="{{ .Permalink }}">
<meta property="og:description" content="{{ with .Params.summary }}{{ . }}{{ else }}{{ site.Title }}{{ end }}">
<meta property="og:locale" content="vi_VN">
{{ block "meta" . }}{{ end }}
</head>
<body>
<a class="skip-link" href="#main">Bỏ qua, đến nội dung chính</a>
{{ partialCached "header.html" . .Section }}
<div class="wrap page">
<main id="main" class="content">
{{ partial "breadcrumbs.html" . }}
{{ block "main" . }}{{ end }}
</main>
{{ partialCached "sidebar.html" . }}
</div>
{{ partialCached "footer.html" . }}
</body>
</html>
''',
    "_default/single.html": '''{{ define "meta" }}
{{ with .Params.photos }}{{ with index . 0 }}<meta property="og:image" content="{{ .src | absURL }}">
<meta property="og:image:alt" content="{{ .caption }}">
{{ end }}{{ end }}<meta property="article:published_time" content="{{ .Date.Format ''' + _ISO + ''' }}">
{{ range .Params.categories }}<meta property="article:section" content="{{ . }}">
{{ end }}{{ range .Params.tags }}<meta property="article:tag" content="{{ . }}">
{{ end }}<meta name="DC.title" content="{{ .Title }}">
<meta name="DC.creator" content="{{ with .Params.author }}{{ . }}{{ else }}{{ site.Title }}{{ end }}">
<meta name="DC.date" content="{{ .Date.Format ''' + _ISO + ''' }}">
<meta name="DC.description" content="{{ .Params.summary }}">
<meta name="DC.publisher" content="{{ site.Title }}">
<meta name="DC.identifier" content="{{ .Permalink }}">
<meta name="DC.language" content="vi">
<meta name="DC.type" content="Text">
<meta name="DC.format" content="text/html">
{{ with .Params.tags }}<meta name="DC.subject" content="{{ delimit . "; " }}">
{{ end }}{{ end }}
{{ define "main" }}
<article class="article">
  <header class="article-header">
    {{ with .Params.categories }}<p class="article-section"><a href="{{ printf "/categories/%s/" (index . 0 | urlize) }}">{{ index . 0 }}</a></p>{{ end }}
    <h1 class="article-title">{{ .Title }}</h1>
    <p class="dateline">
      <time datetime="{{ .Date.Format ''' + _ISO + ''' }}">{{ .Date.Format "15:04 02/01/2006" }}</time>
      <span class="views">Lượt xem: <span data-counter="page">{{ lang.FormatNumber 0 (.Params.views | default 0) }}</span></span>
    </p>
  </header>
  {{ with .Params.summary }}<p class="sapo"><strong>{{ . }}</strong></p>{{ end }}
  {{ with .Params.photos }}{{ with index . 0 }}<figure class="lead-photo"><img src="{{ .src }}" alt="{{ .caption }}" decoding="async"><figcaption class="caption">{{ .caption }}</figcaption></figure>{{ end }}{{ end }}
  <div class="prose article-body">
{{ .Content }}
  </div>
  <footer class="article-footer">
    {{ with .Params.author }}<p class="author"><span class="label">Tác giả:</span> {{ . }}</p>{{ end }}
    <p class="print-url">{{ .Permalink }}</p>
    {{ with .Params.tags }}<div class="tags"><span class="label" id="tags-label">Từ khóa:</span><ul aria-labelledby="tags-label">
    {{ range . }}<li><a href="{{ printf "/tags/%s/" (urlize .) }}" rel="tag">{{ . }}</a></li>
    {{ end }}</ul></div>{{ end }}
    <div class="tools"><p class="share"><span class="share-label">Chia sẻ:</span>
      <a href="mailto:?subject={{ .Title | urlquery }}&amp;body={{ .Permalink | urlquery }}">Email</a>
      <a href="https://www.facebook.com/sharer/sharer.php?u={{ .Permalink | urlquery }}" rel="noopener">Facebook</a>
      <a href="https://sp.zalo.me/share_to?url={{ .Permalink | urlquery }}" rel="noopener">Zalo</a></p></div>
  </footer>
</article>
__RELATED__<section class="more others"><h2 class="block-title">Tin khác</h2><ul class="news-list">
{{ $p := . }}{{ range seq 3 }}{{ with $p }}{{ with .NextInSection }}{{ partialCached "item.html" . .RelPermalink }}{{ $p = . }}{{ else }}{{ $p = false }}{{ end }}{{ end }}{{ end }}
{{ $p = . }}{{ range seq 5 }}{{ with $p }}{{ with .PrevInSection }}{{ partialCached "item.html" . .RelPermalink }}{{ $p = . }}{{ else }}{{ $p = false }}{{ end }}{{ end }}{{ end }}
</ul></section>
{{ end }}
''',
    "_default/list.html": '''{{ define "main" }}
<h1 class="page-title">{{ if .IsHome }}Tin tức - Sự kiện{{ else }}{{ .Title }}{{ end }}</h1>
{{ $pages := .Pages }}{{ if .IsHome }}{{ $pages = site.RegularPages }}{{ end }}
<ul class="cards">
{{ range (.Paginate $pages).Pages }}{{ partialCached "card.html" . .RelPermalink }}{{ end }}
</ul>
{{ partial "pagination.html" . }}
{{ end }}
''',
    "partials/head.html": '''<link rel="icon" href="/images/emblem.svg">
<link rel="stylesheet" href="/theme/css/site.css">
<link rel="stylesheet" href="/theme/css/print.css" media="print">
<script src="/theme/js/site.js"></script>
<script src="/theme/js/counter.js" defer></script>
<meta property="og:site_name" content="{{ site.Title }}">
''',
    "partials/header.html": '''<header class="site-header">
<div class="topbar"><div class="wrap topbar-inner"><p>Cổng thông tin điện tử</p>
<form class="search" action="/tim-kiem/" role="search"><label class="visually-hidden" for="q">Tìm kiếm</label><input id="q" name="q" type="search"><button type="submit">Tìm kiếm</button></form></div></div>
<div class="banner"><div class="wrap banner-inner"><a href="/"><img src="/images/emblem.svg" alt="Quốc huy" width="72" height="72"></a>
<div><p class="agency">Cổng thông tin điện tử</p><p class="site-title">{{ site.Title }}</p></div></div></div>
<nav class="mainnav" aria-label="Danh mục chính"><div class="wrap mainnav-inner"><ul>
<li><a href="/">Trang chủ</a></li>
{{ range site.Taxonomies.categories.Alphabetical }}<li><a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a></li>
{{ end }}</ul></div></nav>
</header>
''',
    "partials/breadcrumbs.html": '''{{ if not .IsHome }}<nav class="breadcrumbs" aria-label="Đường dẫn"><ol>
<li><a href="/">Trang chủ</a></li>
{{ if .IsPage }}{{ with .Params.categories }}<li><a href="{{ printf "/categories/%s/" (index . 0 | urlize) }}">{{ index . 0 }}</a></li>{{ end }}{{ end }}
<li aria-current="page">{{ .Title }}</li>
</ol></nav>{{ end }}
''',
    "partials/sidebar.html": '''<aside class="sidebar">
<section class="box"><h2 class="box-title">Tin mới</h2><ul class="news-list">
{{ range first 10 site.RegularPages.ByDate.Reverse }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> <span class="news-date">{{ .Date.Format "02/01/2006" }}</span></li>
{{ end }}</ul></section>
<section class="box"><h2 class="box-title">Chuyên mục</h2><ul>
{{ range site.Taxonomies.categories.Alphabetical }}<li><a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a> ({{ lang.FormatNumber 0 .Count }})</li>
{{ end }}</ul></section>
</aside>
''',
    "partials/footer.html": '''<footer class="site-footer"><div class="wrap footer-inner">
<section class="counter" aria-labelledby="counter-title"><h2 id="counter-title">Thống kê truy cập</h2>
<p><span class="label">Online:</span> <span data-counter="online">{{ lang.FormatNumber 0 25 }}</span></p>
<p><span class="label">Hôm nay:</span> <span data-counter="today">{{ lang.FormatNumber 0 1234 }}</span></p>
<p><span class="label">Đã truy cập:</span> <span data-counter="total">{{ lang.FormatNumber 0 113014880 }}</span></p></section>
<address>Cơ quan chủ quản: {{ site.Title }}. Địa chỉ: số 8 Tôn Thất Thuyết, Hà Nội. Điện thoại: 024 0000 0000.</address>
<p>Ghi rõ nguồn "{{ site.Title }}" khi phát hành lại thông tin từ cổng này.</p>
</div></footer>
''',
    "partials/item.html": '''<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> <span class="news-date">({{ .Date.Format "02/01/2006" }})</span></li>
''',
    "partials/card.html": '''<li class="card">{{ with .Params.photos }}{{ with index . 0 }}<a class="thumb" href="{{ $.RelPermalink }}" tabindex="-1" aria-hidden="true"><img src="{{ .src }}" alt="" loading="lazy" width="240" height="160"></a>{{ end }}{{ end }}
<h2 class="card-title"><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2>
<p class="news-date"><time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date.Format "02/01/2006" }}</time></p>
{{ with .Params.summary }}<p class="summary">{{ . }}</p>{{ end }}</li>
''',
    "partials/pagination.html": '''{{ $pag := .Paginator }}{{ if gt $pag.TotalPages 1 }}{{ $n := $pag.PageNumber }}{{ $t := $pag.TotalPages }}{{ $base := $pag.First.URL }}
<nav class="pagination" aria-label="Phân trang"><ul>
{{ if $pag.HasPrev }}<li><a href="{{ $base }}" aria-label="Trang đầu">«</a></li><li><a href="{{ $pag.Prev.URL }}" rel="prev">‹</a></li>{{ end }}
{{ $lo := cond (gt $n 2) (sub $n 2) 1 }}{{ $hi := cond (lt (add $n 2) $t) (add $n 2) $t }}
{{ range seq $lo $hi }}<li>{{ if eq . $n }}<span aria-current="page">{{ . }}</span>{{ else if eq . 1 }}<a href="{{ $base }}">1</a>{{ else }}<a href="{{ $base }}page/{{ . }}/">{{ . }}</a>{{ end }}</li>{{ end }}
{{ if $pag.HasNext }}<li><a href="{{ $pag.Next.URL }}" rel="next">›</a></li><li><a href="{{ $pag.Last.URL }}" aria-label="Trang cuối">»</a></li>{{ end }}
</ul></nav>{{ end }}
''',
}


def layouts(related: bool = True) -> dict[str, str]:
    """The templates, by path under layouts/: with the related articles or without them."""
    return {rel: text.replace("__RELATED__", RELATED if related else "") for rel, text in _LAYOUTS.items()}
