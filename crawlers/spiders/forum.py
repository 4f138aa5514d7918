"""Forums (论坛): a thread list, thread pages whose first post opens the thread and the rest reply."""
from __future__ import annotations

from crawlers.spiders.base import SPIDERS, Option, SourceSpider, select, select_text


@SPIDERS.register("forum")
class ForumSpider(SourceSpider):
    """Threads and their replies; replies carry the thread's document id as ``thread_id``.

    Thread pages are read again on every crawl (new replies arrive on old threads); replies already
    stored are recognised by their id and not sent twice.
    """

    source_type = "forum"
    options = {
        "start_urls": Option(list, required=True, help="first thread-list page(s)"),
        "thread_item": Option(str, required=True, help="selector of one thread on the list"),
        "thread_link": Option(str, default="a::attr(href)", help="selector of the thread's link, inside it"),
        "thread_time": Option(str, help="selector of the thread's last-reply time on the list"),
        "next_page": Option(str, help="selector of the next thread-list page"),
        "thread_title": Option(str, default="h1", help="selector of the thread title on the thread page"),
        "post": Option(str, required=True, help="selector of one post (floor) on a thread page"),
        "post_id": Option(str, help="selector of the post's own id (attribute), inside the post"),
        "post_author": Option(str, help="selector of the post's author, inside the post"),
        "post_time": Option(str, help="selector of the post's time, inside the post"),
        "post_body": Option(str, required=True, help="selector of the post's text, inside the post"),
        "thread_next_page": Option(str, help="selector of the thread's next page of replies"),
    }

    def start_requests(self):
        for url in self.opt("start_urls"):
            yield self.request(url, self.parse, list_page=True)

    def parse(self, response):
        if self.not_modified(response) or not self.text_response(response):
            return
        threads = select(response, self.opt("thread_item"))
        if not threads:
            self.report(response.url, "empty thread list (no entry matched thread_item)")
            return
        fresh = 0
        for thread in threads:
            href = select_text(thread, self.opt("thread_link", "a::attr(href)"))
            if not href:
                continue
            if self.is_old(self.parse_time(select_text(thread, self.opt("thread_time")))):
                continue
            fresh += 1
            url = response.urljoin(href)
            yield self.request(url, self.parse_thread, thread_url=url, first_page=True)
        if fresh:
            yield from self.next_page(select_text(response, self.opt("next_page")), self.parse, response)

    def parse_thread(self, response):
        if not self.text_response(response):
            return
        thread_url = response.meta["thread_url"]
        title = select_text(response, self.opt("thread_title", "h1"))
        posts = select(response, self.opt("post"))
        if not posts:
            self.report(response.url, "thread page without posts (no entry matched post)")
        for number, post in enumerate(posts):
            opening = response.meta.get("first_page") and number == 0
            item = self._post(post, number, response, thread_url, title, opening)
            if item is not None:
                yield item
        next_url = select_text(response, self.opt("thread_next_page"))
        if next_url:
            yield self.request(response.urljoin(next_url), self.parse_thread, thread_url=thread_url)

    def _post(self, post, number, response, thread_url, title, opening):
        body = "".join(select(post, self.opt("post_body")).getall())
        common = dict(body_html=body, author=select_text(post, self.opt("post_author")),
                      published=select_text(post, self.opt("post_time")))
        if opening:
            return None if self.is_seen(thread_url) else self.item(url=thread_url, title=title, **common)
        native = select_text(post, self.opt("post_id")) or f"{response.url}#{number}"
        anchor = f"{thread_url}#{native}"
        if self.is_seen(native_id=anchor):
            return None
        return self.item(url=anchor, native_id=anchor, title=f"回复：{title}" if title else None,
                         thread_url=thread_url, **common)
