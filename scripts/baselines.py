"""Two NLU intent baselines for the 医保断缴补缴助手, evaluated on a held-out file.

(a) KeywordMatcher: hand-written keyword lists per intent; the intent with the most keyword
    hits wins, ties go to the intent listed first; no hit -> out_of_scope.
(b) CharNgramLogReg: character 1-4 gram TF-IDF + LogisticRegression (scikit-learn), seeded.

Pure Python + scikit-learn; no Rasa import. Usage:
    .venv/bin/python scripts/baselines.py [--train data/nlu] [--holdout tests/nlu_holdout.yml]
        [--real tests/nlu_real.yml]
"""
from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from pathlib import Path
from typing import Dict, Iterable, List, Sequence, Tuple

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TRAIN = ROOT / "data" / "nlu"
DEFAULT_HOLDOUT = ROOT / "tests" / "nlu_holdout.yml"
# Questions real people wrote (corpus/real_questions.tsv, split = test); never trained on.
DEFAULT_REAL = ROOT / "tests" / "nlu_real.yml"
FALLBACK_INTENT = "out_of_scope"
SEED = 42

_ENTITY_ANNOTATION = re.compile(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})")


# ---------------------------------------------------------------- data loading
def _examples_from_block(block: str) -> List[str]:
    out = []
    for line in block.splitlines():
        line = line.strip()
        if not line.startswith("-"):
            continue
        text = line[1:].strip()
        text = _ENTITY_ANNOTATION.sub(r"\1", text)  # tolerate [南昌](city) annotations
        if text:
            out.append(text)
    return out


def load_nlu_file(path: Path) -> List[Tuple[str, str]]:
    """(text, intent) pairs from one Rasa 3.x NLU YAML file (intent blocks only)."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    pairs = []
    for item in data.get("nlu", []) or []:
        if not isinstance(item, dict) or "intent" not in item:
            continue
        examples = item.get("examples") or ""
        if isinstance(examples, list):  # tolerate the list-of-dicts form
            texts = [e["text"] if isinstance(e, dict) else str(e) for e in examples]
        else:
            texts = _examples_from_block(examples)
        pairs.extend((t, item["intent"]) for t in texts)
    return pairs


def load_nlu(path: Path | str) -> List[Tuple[str, str]]:
    """A file or a folder (all *.yml / *.yaml inside, sorted) -> (text, intent) pairs."""
    path = Path(path)
    if path.is_dir():
        files = sorted(list(path.rglob("*.yml")) + list(path.rglob("*.yaml")))
    else:
        files = [path]
    pairs: List[Tuple[str, str]] = []
    for f in files:
        pairs.extend(load_nlu_file(f))
    return pairs


def normalize_sentence(text: str) -> str:
    """NFKC, lower case, drop whitespace and punctuation (for duplicate/leak checks)."""
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in text if not (ch.isspace() or unicodedata.category(ch)[0] in "PSZ"))


# ---------------------------------------------------------------- (a) keyword rules
# Order matters: on a tie in hit count the intent listed first wins, so specific intents come
# before general ones.
KEYWORDS: Dict[str, List[str]] = {
    "ask_late_fee": ["滞纳金", "滯纳金", "滞納金", "滯納金", "罚款", "罚金", "罚钱", "万分之五", "罚多少", "加收", "利息"],
    "ask_refund": ["退费", "退钱", "退款", "重复缴费", "重复交", "重复参保", "多交", "多扣", "交错", "退回", "能退", "退吗", "退費", "重復"],
    "ask_materials": ["材料", "证件", "带什么", "带啥", "带哪些", "资料", "证明", "身份证", "户口本", "复印件", "劳动合同", "银行流水", "帶什麼", "證件"],
    "ask_personal_account": ["个人账户", "個人賬戶", "个账", "卡里的钱", "卡里", "余额", "餘額", "家庭共济", "医保卡的钱", "卡上"],
    "ask_incentive": ["封顶线", "报销额度", "最高支付限额", "奖励", "獎勵", "零报销", "大病保险", "报销上限", "额度", "最高能报"],
    "ask_retirement_years": ["退休", "交满", "交够", "交滿", "退秀", "一次性补", "男的", "女的"],
    "ask_contribution_years": ["缴费年限", "年限", "繳費年限", "清零", "连续参保", "连续年限", "归零", "接上", "累计"],
    "ask_waiting_period": ["等待期", "多久能报", "多久能用", "什么时候能", "啥时候", "生效", "恢复待遇", "多久", "等几个月", "等多久"],
    "ask_resident_enrollment": ["集中缴费期", "集中参保期", "一年多少", "一年交多少", "居民医保什么时候", "截止", "新农合什么时候", "合作医疗什么时候", "什么时候交", "一年要交", "今年交多少", "新生儿", "错过"],
    "ask_switch_scheme": ["辞职", "离职", "離職", "换工作", "換工作", "失业", "转居民", "转灵活", "转职工", "入职", "辞退", "裁员", "不上班", "转移", "换了城市"],
    "ask_paid_lost": ["白交", "白费", "作废", "打水漂", "浪费", "之前交的", "以前交的", "以前的", "前面的"],
    "ask_how_to_backpay": ["怎么补", "在哪补", "哪里补", "去哪", "流程", "怎么办理", "网上", "手机", "微信", "支付宝", "窗口", "app", "税务", "在哪", "怎麼補"],
    "ask_backpay_amount": ["多少钱", "多少錢", "费用", "金额", "怎么算", "交多少", "补多少", "多少", "基数", "比例"],
    "ask_can_backpay": ["能补", "还能补", "可以补", "能不能补", "补得", "补吗", "补不", "補嗎", "补交吗", "补缴吗", "補繳嗎", "补上"],
    "ask_lapse_impact": ["影响", "影響", "后果", "後果", "会怎么样", "会怎样", "咋样", "严重", "失效", "自费", "要紧"],
    "bot_challenge": ["机器人", "機器人", "真人", "AI", "ai", "人工智能", "自动回复", "你是谁", "你是人", "程序"],
    "human_handoff": ["人工", "热线", "电话", "客服", "工作人员", "12393", "12333"],
    "reset_case": ["重新开始", "从头", "重来", "清空", "清掉", "重置", "换个情况", "换一个人", "从新开始", "作废", "重新问", "重新来"],
    "stop": ["算了", "不问了", "先这样", "不用了", "不想问", "停", "取消", "退出", "不弄了", "不填了", "结束", "不聊了", "别再问", "别问"],
    "thank": ["谢谢", "多谢", "感谢", "谢啦", "谢了", "thank", "thx", "辛苦", "感激", "感恩"],
    "goodbye": ["再见", "拜拜", "拜了", "bye", "回见", "下次", "先走", "下线", "晚安", "88", "回聊", "改天"],
    "greet": ["你好", "您好", "嗨", "哈喽", "hello", "hi", "在吗", "在么", "早上好", "下午好", "晚上好", "中午好", "有人"],
    "affirm": ["是的", "对的", "没错", "好的", "可以", "行", "确认", "确定", "正确", "嗯", "ok", "yes", "对呀", "是啊", "好嘞"],
    "deny": ["不是", "不对", "没有", "不行", "错了", "不要", "否", "no", "不不"],
    "inform": ["我在", "我是", "断了", "个月", "半年", "一年", "灵活就业", "个体户", "自由职业", "职工医保", "居民医保", "新农合", "合作医疗", "单位", "公司", "自己没交", "工资", "月薪", "收入", "交了", "男", "女", "其实", "市", "省", "欠了", "欠缴"],
}


# Intents whose keywords are facts that also appear inside questions ("我在南昌…能补吗"):
# they only win when no other intent has a hit.
WEAK_INTENTS = ("inform",)


class KeywordMatcher:
    """Most keyword hits wins; ties go to the intent listed first; weak intents only win when
    no other intent hits; no hit at all -> fallback."""

    name = "keyword_rules"

    def __init__(self, keywords: Dict[str, List[str]] | None = None, fallback: str = FALLBACK_INTENT,
                 weak: Sequence[str] = WEAK_INTENTS):
        self.keywords = keywords or KEYWORDS
        self.fallback = fallback
        self.weak = tuple(weak)

    def fit(self, texts: Sequence[str], intents: Sequence[str]) -> "KeywordMatcher":
        return self  # hand-written rules: nothing to learn

    def predict_one(self, text: str) -> str:
        t = unicodedata.normalize("NFKC", text).lower()
        best, best_hits = self.fallback, 0
        weak_best, weak_hits = None, 0
        for intent, words in self.keywords.items():
            hits = sum(1 for w in words if w.lower() in t)
            if intent in self.weak:
                if hits > weak_hits:
                    weak_best, weak_hits = intent, hits
            elif hits > best_hits:
                best, best_hits = intent, hits
        if best_hits == 0 and weak_best is not None:
            return weak_best
        return best

    def predict(self, texts: Iterable[str]) -> List[str]:
        return [self.predict_one(t) for t in texts]


# ---------------------------------------------------------------- (b) char n-gram LR
class CharNgramLogReg:
    """Character 1-4 gram TF-IDF + LogisticRegression, seeded."""

    name = "char_ngram_logreg"

    def __init__(self, seed: int = SEED):
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        self.model = make_pipeline(
            TfidfVectorizer(analyzer="char", ngram_range=(1, 4), sublinear_tf=True,
                            preprocessor=lambda s: unicodedata.normalize("NFKC", s).lower()),
            LogisticRegression(C=10.0, max_iter=2000, random_state=seed),
        )

    def fit(self, texts: Sequence[str], intents: Sequence[str]) -> "CharNgramLogReg":
        self.model.fit(list(texts), list(intents))
        return self

    def predict(self, texts: Iterable[str]) -> List[str]:
        return list(self.model.predict(list(texts)))


# ---------------------------------------------------------------- metrics
def score(y_true: Sequence[str], y_pred: Sequence[str]) -> dict:
    """Accuracy, macro F1 and per-intent precision/recall/F1/support over the true labels."""
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support

    labels = sorted(set(y_true))
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    per_intent = {
        lab: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
        for i, lab in enumerate(labels)
    }
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_f1": float(sum(f) / len(f)) if len(f) else 0.0,
        "oos_recall": oos_recall(y_true, y_pred),
        "per_intent": per_intent,
    }


def oos_recall(y_true: Sequence[str], y_pred: Sequence[str]) -> float | None:
    """Share of true out_of_scope messages predicted out_of_scope (None when there are none)."""
    pairs = [(t, p) for t, p in zip(y_true, y_pred) if t == FALLBACK_INTENT]
    return sum(p == FALLBACK_INTENT for _, p in pairs) / len(pairs) if pairs else None


def run_baselines(train_path=DEFAULT_TRAIN, holdout_path=DEFAULT_HOLDOUT) -> Dict[str, dict]:
    """Train both baselines on train_path, evaluate on holdout_path.
    Returns {name: {"accuracy", "macro_f1", "oos_recall", "per_intent", "predictions"}}."""
    return run_baselines_on(train_path, [holdout_path])[0]


def run_baselines_on(train_path, test_paths: Sequence) -> List[Dict[str, dict]]:
    """Train both baselines once on train_path and evaluate them on each test file in turn."""
    train = load_nlu(train_path)
    x_tr, y_tr = [t for t, _ in train], [i for _, i in train]
    models = [KeywordMatcher().fit(x_tr, y_tr), CharNgramLogReg().fit(x_tr, y_tr)]
    out = []
    for path in test_paths:
        test = load_nlu(path)
        x_te, y_te = [t for t, _ in test], [i for _, i in test]
        results = {}
        for model in models:
            pred = model.predict(x_te)
            res = score(y_te, pred)
            res["predictions"] = pred
            results[model.name] = res
        out.append(results)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train", default=str(DEFAULT_TRAIN))
    ap.add_argument("--holdout", default=str(DEFAULT_HOLDOUT))
    ap.add_argument("--real", default=str(DEFAULT_REAL))
    args = ap.parse_args(argv)
    sets = {"holdout": args.holdout, "real": args.real}
    for (label, path), results in zip(sets.items(), run_baselines_on(args.train, list(sets.values()))):
        print(f"{label}: {path}")
        print(f"{'model':<22}{'accuracy':>10}{'macro F1':>10}{'oos recall':>12}")
        for name, res in results.items():
            oos = "-" if res["oos_recall"] is None else f"{res['oos_recall']:.3f}"
            print(f"{name:<22}{res['accuracy']:>10.3f}{res['macro_f1']:>10.3f}{oos:>12}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
