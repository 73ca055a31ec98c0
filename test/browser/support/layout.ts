// Layout checks run inside the page: what a person at this window size can see
// and reach. Each returns a list of problems (empty when the layout is right),
// so a failure names every element at fault at once.
import type { Page } from 'playwright-core';

/** Apple's and Google's minimum comfortable touch target, in CSS pixels. */
export const MIN_TOUCH_TARGET = 44;

export interface LayoutReport {
  viewport: { width: number; height: number };
  problems: string[];
}

/**
 * Checks the page as it is now:
 * - the page is exactly as wide as the window and does not scroll as a whole;
 * - every visible control (and the status pills and cooldown) lies inside the window,
 *   or can be scrolled into it by its own panels (a palette box in the tools panel);
 * - texts that must be read whole (status pills, cooldown) are not cut;
 * - with `minTarget`, every control is at least that many CSS pixels in both directions
 *   (a control inside a label counts as the label: tapping the label works it).
 */
export function checkLayout(page: Page, options: { minTarget?: number; within?: string } = {}): Promise<LayoutReport> {
  return page.evaluate(({ minTarget, within }) => {
    const g = globalThis as any;
    const doc = g.document;
    const problems: string[] = [];
    const width = g.innerWidth;
    const height = g.innerHeight;
    const root = doc.documentElement;
    if (root.scrollWidth > width) problems.push(`the page is ${root.scrollWidth} px wide in a ${width} px window`);
    if (root.scrollHeight > height) problems.push(`the page is ${root.scrollHeight} px tall in a ${height} px window: it scrolls as a whole`);
    if (g.visualViewport && Math.abs(g.visualViewport.width - width) > 1) problems.push(`the layout viewport (${width} px) is wider than the visual one (${g.visualViewport.width} px)`);

    const name = (el: any) => {
      const label = el.getAttribute('aria-label') || el.id || el.textContent?.trim().slice(0, 30) || el.tagName;
      return `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''} "${label}"`;
    };
    const shown = (el: any) => el.getClientRects().length > 0 && g.getComputedStyle(el).visibility !== 'hidden';
    const scroller = (el: any) => {
      for (let p = el.parentElement; p && p !== doc.body; p = p.parentElement) {
        const style = g.getComputedStyle(p);
        if (/(auto|scroll)/.test(style.overflowY + style.overflowX)) return p;
      }
      return null;
    };
    const inside = (r: any, box: { left: number; top: number; right: number; bottom: number }) =>
      r.left >= box.left - 0.5 && r.top >= box.top - 0.5 && r.right <= box.right + 0.5 && r.bottom <= box.bottom + 0.5;
    const windowBox = { left: 0, top: 0, right: width, bottom: height };

    /**
     * Why a box cannot be brought into view, or null: it must lie inside its nearest scrolling
     * panel's content (the padding box, scrolled, in the directions the panel scrolls; the
     * panel itself in the others), and that panel must be reachable in turn; with no panel
     * left, inside the window.
     */
    const unreachable = (el: any, r: any): string | null => {
      const panel = scroller(el);
      if (panel === null) return inside(r, windowBox) ? null : `is outside the ${width}×${height} window`;
      const p = panel.getBoundingClientRect();
      const style = g.getComputedStyle(panel);
      const scrollsX = /(auto|scroll)/.test(style.overflowX) && panel.scrollWidth > panel.clientWidth;
      const scrollsY = /(auto|scroll)/.test(style.overflowY);
      const left = p.left + panel.clientLeft;
      const top = p.top + panel.clientTop;
      const content = {
        left: scrollsX ? left - panel.scrollLeft : p.left,
        right: scrollsX ? left - panel.scrollLeft + panel.scrollWidth : p.right,
        top: scrollsY ? top - panel.scrollTop : p.top,
        bottom: scrollsY ? top - panel.scrollTop + panel.scrollHeight : p.bottom,
      };
      if (!inside(r, content)) return `cannot be scrolled into ${name(panel)}`;
      const outer = unreachable(panel, p);
      return outer === null ? null : `is in ${name(panel)}, which ${outer}`;
    };

    const scope = within ? doc.querySelector(within) : doc.body;
    const controls = [...scope.querySelectorAll('button, select, input, textarea, a[href], [tabindex="0"], .pill, #status-cooldown')].filter(shown);
    for (const el of controls) {
      // A file input is an invisible layer over its label; a checkbox is worked by its label.
      const target = el.tagName === 'INPUT' && el.closest('label') ? el.closest('label') : el;
      const r = target.getBoundingClientRect();
      const where = unreachable(target, r);
      if (where !== null) problems.push(`${name(el)} at ${Math.round(r.left)},${Math.round(r.top)} ${Math.round(r.width)}×${Math.round(r.height)} ${where}`);
      if (el.matches('.pill, #status-cooldown') && el.scrollWidth > el.clientWidth + 0.5) problems.push(`${name(el)} is cut: "${el.textContent}"`);
      if (minTarget && !el.matches('.pill, #status-cooldown') && (r.width < minTarget - 0.5 || r.height < minTarget - 0.5)) {
        problems.push(`${name(el)} is a ${Math.round(r.width)}×${Math.round(r.height)} touch target (less than ${minTarget} px)`);
      }
    }
    return { viewport: { width, height }, problems };
  }, { minTarget: options.minTarget ?? 0, within: options.within ?? '' });
}

/** Problems with an element that must be whole on screen (not cut by the window or by a clipping ancestor). */
export function checkFullyVisible(page: Page, selector: string): Promise<string[]> {
  return page.evaluate((sel) => {
    const g = globalThis as any;
    const el = g.document.querySelector(sel);
    if (!el) return [`${sel} is missing`];
    if (el.getClientRects().length === 0) return [`${sel} is not shown`];
    const r = el.getBoundingClientRect();
    const problems: string[] = [];
    let box = { left: 0, top: 0, right: g.innerWidth, bottom: g.innerHeight };
    for (let p = el.parentElement; p; p = p.parentElement) {
      const style = g.getComputedStyle(p);
      if (style.overflowX !== 'visible' || style.overflowY !== 'visible') {
        const q = p.getBoundingClientRect();
        box = { left: Math.max(box.left, q.left), top: Math.max(box.top, q.top), right: Math.min(box.right, q.right), bottom: Math.min(box.bottom, q.bottom) };
      }
    }
    if (r.left < box.left - 0.5 || r.top < box.top - 0.5 || r.right > box.right + 0.5 || r.bottom > box.bottom + 0.5) {
      problems.push(`${sel} (${Math.round(r.left)},${Math.round(r.top)} ${Math.round(r.width)}×${Math.round(r.height)}) is cut by ${Math.round(box.left)},${Math.round(box.top)}–${Math.round(box.right)},${Math.round(box.bottom)}`);
    }
    return problems;
  }, selector);
}
