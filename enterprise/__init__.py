"""Enterprise risk from many sources (企业风险): 欠薪、停工、外迁 warnings.

Streets' monthly exports of indicators (参保人数、社保缴费/欠缴、用电、用水、12345 工单、劳动监察案件)
are imported per enterprise (:mod:`enterprise.indicators`); posts and tickets naming an enterprise
are linked to it, precision first (:mod:`enterprise.linking`); each enterprise gets a score per
month for ``wage_arrears``, ``shutdown`` and ``relocation`` that lists its signals
(:mod:`enterprise.scoring`); warnings become alerts of the ``enterprise_risk`` rule type. The service
scores after each import and once a month (:mod:`enterprise.schedule`). The functions the web UI's
enterprise pages (``yuqing.app.web.views.enterprise``) call are in :mod:`enterprise.service`.
"""
from enterprise import records  # noqa: F401  (registers the record kinds)
