// Lays out a bot answer as React elements (never as HTML): blank lines split paragraphs,
// lines starting with a bullet become list items, yuan figures are bold.
import { Fragment } from 'react';

const BULLET = /^\s*(?:[•·●▪◦]|-|\*)\s+/;
const NUMBERED = /^\s*(\d{1,2})[.、)）]\s*/;
// 1,234.56元 / 123元 / 1.5万元 / ¥88
const MONEY = /(¥\s?\d[\d,]*(?:\.\d+)?|\d[\d,]*(?:\.\d+)?\s?(?:万元|元))/g;
const MARKDOWN_BOLD = /\*\*([^*]+)\*\*/g;

function inline(text, keyBase) {
  // **bold** from Markdown-style answers, then money figures.
  const parts = [];
  let last = 0;
  let i = 0;
  const plain = (chunk) => {
    let pos = 0;
    for (const m of chunk.matchAll(MONEY)) {
      if (m.index > pos) parts.push(chunk.slice(pos, m.index));
      parts.push(<strong className="money" key={`${keyBase}-m${i++}`}>{m[0]}</strong>);
      pos = m.index + m[0].length;
    }
    if (pos < chunk.length) parts.push(chunk.slice(pos));
  };
  for (const m of text.matchAll(MARKDOWN_BOLD)) {
    if (m.index > last) plain(text.slice(last, m.index));
    parts.push(<strong key={`${keyBase}-b${i++}`}>{m[1]}</strong>);
    last = m.index + m[0].length;
  }
  if (last < text.length) plain(text.slice(last));
  return parts;
}

export function blocksOf(text) {
  // -> [{type: 'p', lines: [...]}, {type: 'ul' | 'ol', items: [...]}]
  const blocks = [];
  for (const raw of String(text).replace(/\r\n?/g, '\n').split('\n')) {
    const line = raw.replace(/\s+$/, '');
    const top = blocks[blocks.length - 1];
    if (!line.trim()) {
      blocks.push({ type: 'gap' });
      continue;
    }
    const bullet = line.match(BULLET);
    const numbered = !bullet && line.match(NUMBERED);
    if (bullet || numbered) {
      const type = bullet ? 'ul' : 'ol';
      const item = line.slice((bullet || numbered)[0].length);
      if (top && top.type === type) top.items.push(item);
      else blocks.push({ type, items: [item], start: numbered ? Number(numbered[1]) : undefined });
    } else if (top && top.type === 'p') {
      top.lines.push(line);
    } else {
      blocks.push({ type: 'p', lines: [line] });
    }
  }
  return blocks.filter((b) => b.type !== 'gap');
}

export function RichText({ text }) {
  return (
    <div className="rich" data-role="bot">
      {blocksOf(text).map((b, bi) => {
        if (b.type === 'p') {
          return (
            <p key={bi}>
              {b.lines.map((l, li) => (
                <Fragment key={li}>
                  {li > 0 && <br />}
                  {inline(l, `${bi}-${li}`)}
                </Fragment>
              ))}
            </p>
          );
        }
        const List = b.type;
        return (
          <List key={bi} start={b.start}>
            {b.items.map((it, ii) => (
              <li key={ii}>{inline(it, `${bi}-${ii}`)}</li>
            ))}
          </List>
        );
      })}
    </div>
  );
}
