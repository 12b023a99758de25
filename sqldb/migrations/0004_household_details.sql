-- 0004: the national field set of households and members (tuopin fields.go,
-- domain.md §1.2 and §1.3), and the derived indicators roll-ups count.
--
-- One column per tuopin.FieldDef, named by its key. Text, codes, code
-- lists and dates are TEXT NOT NULL DEFAULT '' ('' = not recorded);
-- numbers are BIGINT and NULL when not recorded: whole numbers as they
-- are, decimals (areas, distances) in hundredths, money in fen.
--
-- The ind_* columns and income_band are Household.Indicators, derived by
-- storage on every write (the 两不愁三保障 gaps and the income band against
-- the poverty line in force), so that roll-ups remain one GROUP BY over
-- households. Never edit this file once shipped.

ALTER TABLE households ADD COLUMN ind_food INTEGER NOT NULL DEFAULT 0;      -- 不愁吃/不愁穿 否
ALTER TABLE households ADD COLUMN ind_school INTEGER NOT NULL DEFAULT 0;    -- children out of school
ALTER TABLE households ADD COLUMN ind_uninsured INTEGER NOT NULL DEFAULT 0; -- members uninsured
ALTER TABLE households ADD COLUMN ind_house INTEGER NOT NULL DEFAULT 0;     -- 危房 C/D
ALTER TABLE households ADD COLUMN ind_water INTEGER NOT NULL DEFAULT 0;     -- 饮水不安全
ALTER TABLE households ADD COLUMN income_band TEXT NOT NULL DEFAULT '';     -- tuopin.IncomeBand*

-- households
ALTER TABLE households ADD COLUMN group_name TEXT NOT NULL DEFAULT ''; -- 所在组
ALTER TABLE households ADD COLUMN poor_village_number TEXT NOT NULL DEFAULT ''; -- 贫困村编号
ALTER TABLE households ADD COLUMN standard TEXT NOT NULL DEFAULT ''; -- 识别标准
ALTER TABLE households ADD COLUMN household_type TEXT NOT NULL DEFAULT ''; -- 户类型
ALTER TABLE households ADD COLUMN first_identified_year BIGINT; -- 首次识别年度
ALTER TABLE households ADD COLUMN planned_exit_year BIGINT; -- 计划脱贫年度
ALTER TABLE households ADD COLUMN exit_year BIGINT; -- 脱贫年度
ALTER TABLE households ADD COLUMN other_causes TEXT NOT NULL DEFAULT ''; -- 其他致贫原因
ALTER TABLE households ADD COLUMN monitoring_type TEXT NOT NULL DEFAULT ''; -- 监测对象类型
ALTER TABLE households ADD COLUMN risk_types TEXT NOT NULL DEFAULT ''; -- 致贫返贫风险
ALTER TABLE households ADD COLUMN risk_identified_date TEXT NOT NULL DEFAULT ''; -- 风险识别时间
ALTER TABLE households ADD COLUMN risk_eliminated TEXT NOT NULL DEFAULT ''; -- 风险是否消除
ALTER TABLE households ADD COLUMN risk_elimination_way TEXT NOT NULL DEFAULT ''; -- 风险消除方式
ALTER TABLE households ADD COLUMN risk_eliminated_date TEXT NOT NULL DEFAULT ''; -- 风险消除时间
ALTER TABLE households ADD COLUMN income_wage BIGINT; -- 工资性收入(元)
ALTER TABLE households ADD COLUMN income_public_job BIGINT; -- 其中：公益性岗位收入(元)
ALTER TABLE households ADD COLUMN income_business BIGINT; -- 生产经营性收入(元)
ALTER TABLE households ADD COLUMN income_property BIGINT; -- 财产性收入(元)
ALTER TABLE households ADD COLUMN income_asset_dividend BIGINT; -- 其中：资产收益扶贫分红收入(元)
ALTER TABLE households ADD COLUMN income_transfer BIGINT; -- 转移性收入(元)
ALTER TABLE households ADD COLUMN transfer_family_planning BIGINT; -- 计划生育金(元)
ALTER TABLE households ADD COLUMN transfer_dibao BIGINT; -- 低保金(元)
ALTER TABLE households ADD COLUMN transfer_tekun BIGINT; -- 特困供养金(元)
ALTER TABLE households ADD COLUMN transfer_pension BIGINT; -- 养老保险金(元)
ALTER TABLE households ADD COLUMN transfer_eco BIGINT; -- 生态补偿金(元)
ALTER TABLE households ADD COLUMN transfer_industry_award BIGINT; -- 产业奖励(元)
ALTER TABLE households ADD COLUMN transfer_employment_award BIGINT; -- 就业奖励(元)
ALTER TABLE households ADD COLUMN transfer_expense_subsidy BIGINT; -- 减少生产经营性支出补贴(元)
ALTER TABLE households ADD COLUMN transfer_other BIGINT; -- 其他转移性收入(元)
ALTER TABLE households ADD COLUMN expense_business BIGINT; -- 生产经营性支出(元)
ALTER TABLE households ADD COLUMN food_secure TEXT NOT NULL DEFAULT ''; -- 是否不愁吃
ALTER TABLE households ADD COLUMN clothing_secure TEXT NOT NULL DEFAULT ''; -- 是否不愁穿
ALTER TABLE households ADD COLUMN house_grade TEXT NOT NULL DEFAULT ''; -- 危房等级
ALTER TABLE households ADD COLUMN water_safe TEXT NOT NULL DEFAULT ''; -- 饮水是否安全
ALTER TABLE households ADD COLUMN water_difficult TEXT NOT NULL DEFAULT ''; -- 饮水是否困难
ALTER TABLE households ADD COLUMN water_source TEXT NOT NULL DEFAULT ''; -- 饮用水源
ALTER TABLE households ADD COLUMN housing_area BIGINT; -- 住房面积(平方米)
ALTER TABLE households ADD COLUMN house_structure TEXT NOT NULL DEFAULT ''; -- 房屋结构
ALTER TABLE households ADD COLUMN house_built_year BIGINT; -- 建房年度
ALTER TABLE households ADD COLUMN farmland_area BIGINT; -- 耕地面积(亩)
ALTER TABLE households ADD COLUMN irrigated_area BIGINT; -- 有效灌溉面积(亩)
ALTER TABLE households ADD COLUMN forest_area BIGINT; -- 林地面积(亩)
ALTER TABLE households ADD COLUMN grain_for_green_area BIGINT; -- 退耕还林面积(亩)
ALTER TABLE households ADD COLUMN fruit_area BIGINT; -- 林果面积(亩)
ALTER TABLE households ADD COLUMN pasture_area BIGINT; -- 牧草地面积(亩)
ALTER TABLE households ADD COLUMN water_surface_area BIGINT; -- 水面面积(亩)
ALTER TABLE households ADD COLUMN production_power TEXT NOT NULL DEFAULT ''; -- 是否通生产用电
ALTER TABLE households ADD COLUMN living_power TEXT NOT NULL DEFAULT ''; -- 是否通生活用电
ALTER TABLE households ADD COLUMN tv TEXT NOT NULL DEFAULT ''; -- 是否通广播电视
ALTER TABLE households ADD COLUMN road_type TEXT NOT NULL DEFAULT ''; -- 入户路类型
ALTER TABLE households ADD COLUMN road_distance BIGINT; -- 与村主干路距离(公里)
ALTER TABLE households ADD COLUMN fuel TEXT NOT NULL DEFAULT ''; -- 主要燃料类型
ALTER TABLE households ADD COLUMN sanitary_toilet TEXT NOT NULL DEFAULT ''; -- 是否有卫生厕所
ALTER TABLE households ADD COLUMN cooperative TEXT NOT NULL DEFAULT ''; -- 是否加入农民专业合作社
ALTER TABLE households ADD COLUMN leading_enterprise TEXT NOT NULL DEFAULT ''; -- 是否有龙头企业带动
ALTER TABLE households ADD COLUMN entrepreneur TEXT NOT NULL DEFAULT ''; -- 是否有创业致富带头人带动
ALTER TABLE households ADD COLUMN relocated TEXT NOT NULL DEFAULT ''; -- 是否易地扶贫搬迁户
ALTER TABLE households ADD COLUMN relocation_type TEXT NOT NULL DEFAULT ''; -- 安置方式
ALTER TABLE households ADD COLUMN helper_name TEXT NOT NULL DEFAULT ''; -- 帮扶责任人
ALTER TABLE households ADD COLUMN helper_unit TEXT NOT NULL DEFAULT ''; -- 帮扶单位
ALTER TABLE households ADD COLUMN helper_title TEXT NOT NULL DEFAULT ''; -- 帮扶人职务
ALTER TABLE households ADD COLUMN helper_phone TEXT NOT NULL DEFAULT ''; -- 帮扶人联系电话

-- members
ALTER TABLE members ADD COLUMN person_number TEXT NOT NULL DEFAULT ''; -- 人口编号
ALTER TABLE members ADD COLUMN id_type TEXT NOT NULL DEFAULT ''; -- 证件类型
ALTER TABLE members ADD COLUMN ethnicity TEXT NOT NULL DEFAULT ''; -- 民族
ALTER TABLE members ADD COLUMN member_phone TEXT NOT NULL DEFAULT ''; -- 成员联系电话
ALTER TABLE members ADD COLUMN political_status TEXT NOT NULL DEFAULT ''; -- 政治面貌
ALTER TABLE members ADD COLUMN mandarin TEXT NOT NULL DEFAULT ''; -- 是否会讲普通话
ALTER TABLE members ADD COLUMN school_status TEXT NOT NULL DEFAULT ''; -- 在校生状况
ALTER TABLE members ADD COLUMN dropout_reason TEXT NOT NULL DEFAULT ''; -- 失学或辍学原因
ALTER TABLE members ADD COLUMN disability_type TEXT NOT NULL DEFAULT ''; -- 残疾类别
ALTER TABLE members ADD COLUMN disability_cert_year BIGINT; -- 残疾证办证年度
ALTER TABLE members ADD COLUMN disability_cert_no TEXT NOT NULL DEFAULT ''; -- 残疾证号
ALTER TABLE members ADD COLUMN work_months BIGINT; -- 务工时间(月)
ALTER TABLE members ADD COLUMN work_place TEXT NOT NULL DEFAULT ''; -- 务工所在地
ALTER TABLE members ADD COLUMN employer TEXT NOT NULL DEFAULT ''; -- 务工企业名称
ALTER TABLE members ADD COLUMN work_abroad TEXT NOT NULL DEFAULT ''; -- 是否国外务工
ALTER TABLE members ADD COLUMN employment_channel TEXT NOT NULL DEFAULT ''; -- 就业渠道
ALTER TABLE members ADD COLUMN industry TEXT NOT NULL DEFAULT ''; -- 产业分类
ALTER TABLE members ADD COLUMN public_job_type TEXT NOT NULL DEFAULT ''; -- 公益性岗位类型
ALTER TABLE members ADD COLUMN public_job_months BIGINT; -- 公益性岗位(月数)
ALTER TABLE members ADD COLUMN dibao TEXT NOT NULL DEFAULT ''; -- 是否享受低保
ALTER TABLE members ADD COLUMN tekun TEXT NOT NULL DEFAULT ''; -- 是否特困供养人员
ALTER TABLE members ADD COLUMN critical_illness_insurance TEXT NOT NULL DEFAULT ''; -- 是否参加大病保险
ALTER TABLE members ADD COLUMN resident_medical_insurance TEXT NOT NULL DEFAULT ''; -- 是否参加城乡居民基本医疗保险
ALTER TABLE members ADD COLUMN employee_medical_insurance TEXT NOT NULL DEFAULT ''; -- 是否参加城镇职工基本医疗保险
ALTER TABLE members ADD COLUMN resident_pension TEXT NOT NULL DEFAULT ''; -- 是否参加城乡居民基本养老保险
ALTER TABLE members ADD COLUMN employee_pension TEXT NOT NULL DEFAULT ''; -- 是否参加城镇职工基本养老保险
ALTER TABLE members ADD COLUMN commercial_medical_insurance TEXT NOT NULL DEFAULT ''; -- 是否参加商业补充医疗保险
ALTER TABLE members ADD COLUMN medical_aid TEXT NOT NULL DEFAULT ''; -- 是否接受大病医疗救助
ALTER TABLE members ADD COLUMN other_health_aid TEXT NOT NULL DEFAULT ''; -- 是否接受其他健康扶贫
ALTER TABLE members ADD COLUMN allowance_amount BIGINT; -- 领取低保金、残疾金(元)
